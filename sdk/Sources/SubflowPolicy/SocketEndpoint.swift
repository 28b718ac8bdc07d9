/// An IP address and a TCP port (host byte order). Port 0 means "no port".
public struct SocketEndpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(_ address: IPAddress, port: UInt16 = 0) {
        self.address = address
        self.port = port
    }

    public var family: AddressFamily { address.family }

    /// `198.18.0.1:80`, `[2001:db8::1]:80`, or the bare address when the port is 0.
    public var description: String {
        if port == 0 { return address.description }
        return address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    public static func < (a: Self, b: Self) -> Bool { (a.address, a.port) < (b.address, b.port) }
}
