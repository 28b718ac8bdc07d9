import FuzzSupport
import MPTCPWire
import SubflowPolicy
import SubflowSystem

/// rtnetlink link and address notifications (the network monitor's socket): decode, and
/// re-encode what decoded as the kernel lays it out to check it decodes to the same value.
@main
enum RouteNetlinkFuzz {
    static func main() {
        FuzzDriver.run { bytes in
            for message in FuzzNetlink.messages(bytes) {
                guard let decoded = try? RouteNetlinkMessage.decode(message) else { continue }
                let again: [UInt8]
                switch decoded {
                case .newLink(let link), .deleteLink(let link): again = encode(link, type: message.type)
                case .newAddress(let address), .deleteAddress(let address): again = encode(address, type: message.type)
                case .other: continue
                }
                let redecoded = FuzzNetlink.expectOne(again) { m throws(NetlinkDecodeError) in
                    try RouteNetlinkMessage.decode(m)
                }
                fuzzCheck(redecoded == decoded, "rtnetlink message does not round-trip: \(decoded) became \(redecoded)")
            }
        }
    }

    static func encode(_ link: LinkMessage, type: UInt16) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: type, flags: [], sequence: 0)
        var header: [UInt8] = [0, 0]
        header += le(link.type) + le(UInt32(bitPattern: link.index.rawValue)) + le(link.flags) + le(link.change)
        b.putExtraHeader(header)
        b.putString(RouteNetlink.LinkAttribute.interfaceName, link.name)
        if let operState = link.operState { b.putU8(RouteNetlink.LinkAttribute.operationalState, operState) }
        if let carrier = link.carrier { b.putU8(RouteNetlink.LinkAttribute.carrier, carrier ? 1 : 0) }
        return b.finish()
    }

    static func encode(_ address: AddressMessage, type: UInt16) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: type, flags: [], sequence: 0)
        let header: [UInt8] =
            [UInt8(address.address.family.rawValue), address.prefixLength, 0, address.scope]
            + le(UInt32(bitPattern: address.interface.rawValue))
        b.putExtraHeader(header)
        b.putBytes(RouteNetlink.AddressAttribute.address, address.address.bytes)
        b.putU32(RouteNetlink.AddressAttribute.flags, address.flags)
        return b.finish()
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
