import SubflowPolicy
import SubflowSystem

extension RouteNetlinkMessage {
    /// Decodes a link or address message; other types become `.other`.
    public static func decode(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> RouteNetlinkMessage {
        typealias T = RouteNetlink.MessageType
        switch message.type {
        case T.newLink, T.deleteLink:
            let link: LinkMessage
            do {
                link = try LinkMessage(decoding: message.payload)
            } catch {
                throw error.within(message.type == T.newLink ? "RTM_NEWLINK" : "RTM_DELLINK")
            }
            return message.type == T.newLink ? .newLink(link) : .deleteLink(link)
        case T.newAddress, T.deleteAddress:
            let address: AddressMessage?
            do {
                address = try AddressMessage(decoding: message.payload)
            } catch {
                throw error.within(message.type == T.newAddress ? "RTM_NEWADDR" : "RTM_DELADDR")
            }
            guard let address else { return .other(type: message.type) }
            return message.type == T.newAddress ? .newAddress(address) : .deleteAddress(address)
        default:
            return .other(type: message.type)
        }
    }
}

extension LinkMessage {
    /// `struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; }`
    /// followed by IFLA_* attributes.
    init(decoding payload: ArraySlice<UInt8>) throws(NetlinkDecodeError) {
        let n = RouteNetlink.linkHeaderLength
        guard payload.count >= n, let type = HostByteOrder.uint16(payload, at: 2),
            let index = HostByteOrder.int32(payload, at: 4), let flags = HostByteOrder.uint32(payload, at: 8),
            let change = HostByteOrder.uint32(payload, at: 12)
        else {
            throw NetlinkDecodeError(.truncatedHeader(what: "struct ifinfomsg", needed: n, available: payload.count))
        }
        let a = try NetlinkAttributes(parsing: payload.dropFirst(n))
        typealias L = RouteNetlink.LinkAttribute
        guard let name = try a.string(L.interfaceName, name: "IFLA_IFNAME") else {
            throw NetlinkDecodeError(.missingAttribute(NetlinkAttributeName(L.interfaceName, "IFLA_IFNAME")))
        }
        self.init(
            index: InterfaceIndex(index), name: name, flags: flags, change: change, type: type,
            carrier: try a.u8(L.carrier, name: "IFLA_CARRIER").map { $0 != 0 },
            operState: try a.u8(L.operationalState, name: "IFLA_OPERSTATE"))
    }
}

extension AddressMessage {
    /// `struct ifaddrmsg { u8 family; u8 prefixlen; u8 flags; u8 scope; u32 index; }`
    /// followed by IFA_* attributes. Nil for families other than AF_INET/AF_INET6.
    init?(decoding payload: ArraySlice<UInt8>) throws(NetlinkDecodeError) {
        let n = RouteNetlink.addressHeaderLength
        guard payload.count >= n, let family = HostByteOrder.uint8(payload, at: 0),
            let prefix = HostByteOrder.uint8(payload, at: 1), let flags8 = HostByteOrder.uint8(payload, at: 2),
            let scope = HostByteOrder.uint8(payload, at: 3), let index = HostByteOrder.uint32(payload, at: 4)
        else {
            throw NetlinkDecodeError(.truncatedHeader(what: "struct ifaddrmsg", needed: n, available: payload.count))
        }
        guard let addressFamily = AddressFamily(rawValue: UInt16(family)) else { return nil }
        let a = try NetlinkAttributes(parsing: payload.dropFirst(n))
        typealias A = RouteNetlink.AddressAttribute
        let size = addressFamily == .ipv4 ? 4 : 16
        var raw = try a.bytes(A.local, count: size, name: "IFA_LOCAL")
        if raw == nil { raw = try a.bytes(A.address, count: size, name: "IFA_ADDRESS") }
        guard let raw, let address = IPAddress(bytes: raw) else {
            throw NetlinkDecodeError(.missingAttribute(NetlinkAttributeName(A.address, "IFA_ADDRESS")))
        }
        guard index <= UInt32(Int32.max) else {
            throw NetlinkDecodeError(.invalidValue(nil, value: Int64(index), reason: "interface index out of range"))
        }
        self.init(
            interface: InterfaceIndex(Int32(index)), address: address, prefixLength: prefix,
            flags: try a.u32(A.flags, name: "IFA_FLAGS") ?? UInt32(flags8), scope: scope)
    }
}
