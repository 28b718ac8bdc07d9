import SubflowPolicy
import SubflowSystem

/// One RTM_GETROUTE question — "which route would a packet to `destination` from `source`
/// take?" — as `ip route get DST from SRC [iif DEV] [oif DEV]` asks it. The kernel answers
/// with one RTM_NEWROUTE (`RouteMessage`) and, since the request asks for an ack, an
/// NLMSG_ERROR 0; or with only an NLMSG_ERROR when no route exists (ENETUNREACH) or an
/// input lookup fails (EINVAL: the reverse-path filter refused the source).
public struct RouteLookup: Sendable, Hashable {
    public var destination: IPAddress
    public var source: IPAddress?
    /// Look the route up as for a packet received on this interface (RTA_IIF).
    public var inputInterface: InterfaceIndex?
    /// Restrict the lookup to this output interface (RTA_OIF), as a socket bound to it does.
    public var outputInterface: InterfaceIndex?

    public init(
        destination: IPAddress, source: IPAddress? = nil, inputInterface: InterfaceIndex? = nil,
        outputInterface: InterfaceIndex? = nil
    ) {
        self.destination = destination
        self.source = source
        self.inputInterface = inputInterface
        self.outputInterface = outputInterface
    }

    public func encode(sequence: UInt32) -> [UInt8] {
        typealias A = RouteNetlink.RouteAttribute
        var b = NetlinkMessageBuilder(
            type: RouteNetlink.MessageType.getRoute, flags: [.request, .ack], sequence: sequence)
        let bits = UInt8(destination.bytes.count * 8)
        // struct rtmsg { u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags; }
        var header: [UInt8] = [UInt8(destination.family.rawValue), bits, source == nil ? 0 : bits, 0, 0, 0, 0, 0]
        HostByteOrder.append(UInt32(0), to: &header)
        b.putExtraHeader(header)
        b.putBytes(A.destination, destination.bytes)
        if let source { b.putBytes(A.source, source.bytes) }
        if let inputInterface { b.putU32(A.inputInterface, UInt32(bitPattern: inputInterface.rawValue)) }
        if let outputInterface { b.putU32(A.outputInterface, UInt32(bitPattern: outputInterface.rawValue)) }
        return b.finish()
    }
}

/// An RTM_NEWROUTE message: a route of a table, or the answer to a `RouteLookup`.
public struct RouteMessage: Sendable, Hashable {
    public var family: AddressFamily
    public var destinationLength: UInt8
    /// RTA_TABLE when present, else the header's 8-bit `rtm_table` (254 main, 255 local).
    public var table: UInt32
    /// `rtm_type`: RTN_UNICAST 1, RTN_LOCAL 2, RTN_UNREACHABLE 7, …
    public var type: UInt8
    public var destination: IPAddress?
    public var source: IPAddress?
    public var outputInterface: InterfaceIndex?
    public var gateway: IPAddress?
    public var preferredSource: IPAddress?

    public init(
        family: AddressFamily, destinationLength: UInt8 = 0, table: UInt32, type: UInt8 = 1,
        destination: IPAddress? = nil, source: IPAddress? = nil, outputInterface: InterfaceIndex? = nil,
        gateway: IPAddress? = nil, preferredSource: IPAddress? = nil
    ) {
        self.family = family
        self.destinationLength = destinationLength
        self.table = table
        self.type = type
        self.destination = destination
        self.source = source
        self.outputInterface = outputInterface
        self.gateway = gateway
        self.preferredSource = preferredSource
    }

    /// Decodes an RTM_NEWROUTE; nil for families other than AF_INET/AF_INET6.
    public static func decode(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> RouteMessage? {
        guard message.type == RouteNetlink.MessageType.newRoute else {
            throw NetlinkDecodeError(
                .invalidValue(nil, value: Int64(message.type), reason: "expected RTM_NEWROUTE"))
        }
        let payload = message.payload
        let n = RouteNetlink.routeHeaderLength
        guard payload.count >= n, let familyNumber = HostByteOrder.uint8(payload, at: 0),
            let destinationLength = HostByteOrder.uint8(payload, at: 1),
            let table8 = HostByteOrder.uint8(payload, at: 4), let type = HostByteOrder.uint8(payload, at: 7)
        else {
            throw NetlinkDecodeError(.truncatedHeader(what: "struct rtmsg", needed: n, available: payload.count))
        }
        guard let family = AddressFamily(rawValue: UInt16(familyNumber)) else { return nil }
        let size = family == .ipv4 ? 4 : 16
        let a = try NetlinkAttributes(parsing: payload.dropFirst(n))
        typealias A = RouteNetlink.RouteAttribute
        func address(_ type: UInt16, _ name: String) throws(NetlinkDecodeError) -> IPAddress? {
            try a.bytes(type, count: size, name: name).flatMap { IPAddress(bytes: $0) }
        }
        var route = RouteMessage(
            family: family, destinationLength: destinationLength,
            table: try a.u32(A.table, name: "RTA_TABLE") ?? UInt32(table8), type: type)
        route.destination = try address(A.destination, "RTA_DST")
        route.source = try address(A.source, "RTA_SRC")
        route.gateway = try address(A.gateway, "RTA_GATEWAY")
        route.preferredSource = try address(A.preferredSource, "RTA_PREFSRC")
        if let index = try a.u32(A.outputInterface, name: "RTA_OIF") {
            guard index <= UInt32(Int32.max) else {
                throw NetlinkDecodeError(
                    .invalidValue(nil, value: Int64(index), reason: "interface index out of range"))
            }
            route.outputInterface = InterfaceIndex(Int32(index))
        }
        return route
    }
}

extension RouteNetlink {
    /// RTM_GETROUTE dump request for one family (`rtmsg` all zero but the family): every route
    /// of every table, one RTM_NEWROUTE each, then NLMSG_DONE.
    public static func encodeRouteDump(family: AddressFamily, sequence: UInt32) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: MessageType.getRoute, flags: [.request, .dump], sequence: sequence)
        var header = [UInt8](repeating: 0, count: routeHeaderLength)
        header[0] = UInt8(family.rawValue)
        b.putExtraHeader(header)
        return b.finish()
    }
}
