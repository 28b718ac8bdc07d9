/// The kernel's 32-bit identifier of one MPTCP connection (`MPTCP_ATTR_TOKEN`).
/// Every userspace path-manager command names its connection by this token.
public struct ConnectionToken: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// An MPTCP address identifier (RFC 8684 "Address ID"), 0...255, scoped to one connection
/// and one side. ID 0 always names the address of the connection's initial subflow.
public struct AddressID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }
    /// The initial subflow's address.
    public static let initial = AddressID(0)
    public var description: String { String(rawValue) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// A network interface index (`ifindex`), as in rtnetlink and `MPTCP_ATTR_IF_IDX`.
public struct InterfaceIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
