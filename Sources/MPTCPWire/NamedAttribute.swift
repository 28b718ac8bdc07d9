import SubflowPolicy
import SubflowSystem

/// An attribute number with the kernel's name for it, so decode errors can say
/// "attribute 1 (token)" instead of "attribute 1".
protocol NamedAttribute: RawRepresentable where RawValue == UInt16 {
    var name: String { get }
}

extension MPTCPAttribute: NamedAttribute {}
extension MPTCPAddressAttribute: NamedAttribute {}
extension MPTCPEventAttribute: NamedAttribute {}

extension NamedAttribute {
    var attributeName: NetlinkAttributeName { NetlinkAttributeName(rawValue, name) }
}

extension NetlinkAttributes {
    subscript<A: NamedAttribute>(_ attribute: A) -> NetlinkAttribute? { self[type: attribute.rawValue] }

    func require<A: NamedAttribute>(_ a: A) throws(NetlinkDecodeError) -> NetlinkAttribute {
        try require(a.rawValue, name: a.name)
    }
    func u8<A: NamedAttribute>(_ a: A) throws(NetlinkDecodeError) -> UInt8? { try u8(a.rawValue, name: a.name) }
    func u16<A: NamedAttribute>(_ a: A) throws(NetlinkDecodeError) -> UInt16? { try u16(a.rawValue, name: a.name) }
    func be16<A: NamedAttribute>(_ a: A) throws(NetlinkDecodeError) -> UInt16? { try be16(a.rawValue, name: a.name) }
    func u32<A: NamedAttribute>(_ a: A) throws(NetlinkDecodeError) -> UInt32? { try u32(a.rawValue, name: a.name) }
    func s32<A: NamedAttribute>(_ a: A) throws(NetlinkDecodeError) -> Int32? { try s32(a.rawValue, name: a.name) }
    func nested<A: NamedAttribute>(_ a: A) throws(NetlinkDecodeError) -> NetlinkAttributes? {
        try nested(a.rawValue, name: a.name)
    }

    /// A 4-byte (IPv4) or 16-byte (IPv6) address attribute.
    func address<A: NamedAttribute>(_ a: A, family: AddressFamily) throws(NetlinkDecodeError) -> IPAddress? {
        let count = family == .ipv4 ? 4 : 16
        guard let raw = try bytes(a.rawValue, count: count, name: a.name) else { return nil }
        return IPAddress(bytes: raw)
    }
}

/// Maps a raw `AF_*` number to the SDK's family, or throws naming the attribute.
func addressFamily(_ raw: UInt16, attribute: NetlinkAttributeName?) throws(NetlinkDecodeError) -> AddressFamily {
    guard let family = AddressFamily(rawValue: raw) else {
        throw NetlinkDecodeError(.invalidValue(attribute, value: Int64(raw), reason: "unknown address family"))
    }
    return family
}
