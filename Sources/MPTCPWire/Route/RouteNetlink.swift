import SubflowPolicy
import SubflowSystem

/// The rtnetlink requests the network monitor sends (numbers in Numbers/RouteNetlinkNumbers.swift).
extension RouteNetlink {
    /// RTM_GETLINK dump request (`NLM_F_REQUEST | NLM_F_DUMP`, an all-zero `ifinfomsg`, so
    /// family AF_UNSPEC): the kernel answers with one RTM_NEWLINK per interface, then NLMSG_DONE.
    public static func encodeLinkDump(sequence: UInt32) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: MessageType.getLink, flags: [.request, .dump], sequence: sequence)
        b.putExtraHeader([UInt8](repeating: 0, count: linkHeaderLength))
        return b.finish()
    }

    /// RTM_GETADDR dump request (`NLM_F_REQUEST | NLM_F_DUMP`, an all-zero `ifaddrmsg`, so
    /// family AF_UNSPEC: IPv4 and IPv6): one RTM_NEWADDR per address, then NLMSG_DONE.
    public static func encodeAddressDump(sequence: UInt32) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: MessageType.getAddress, flags: [.request, .dump], sequence: sequence)
        b.putExtraHeader([UInt8](repeating: 0, count: addressHeaderLength))
        return b.finish()
    }
}

/// An RTM_NEWLINK / RTM_DELLINK message.
public struct LinkMessage: Sendable, Hashable {
    public var index: InterfaceIndex
    /// IFLA_IFNAME.
    public var name: String
    /// `ifi_flags`: `IFF_*` (IFF_UP 0x1, IFF_LOOPBACK 0x8, IFF_RUNNING 0x40, IFF_LOWER_UP 0x10000).
    public var flags: UInt32
    /// `ifi_change`: which flags changed (0xffffffff when the link is new or gone).
    public var change: UInt32
    /// `ifi_type`: ARPHRD_* (1 ethernet, 772 loopback).
    public var type: UInt16
    /// IFLA_CARRIER, when present.
    public var carrier: Bool?
    /// IFLA_OPERSTATE (RFC 2863: 2 down, 6 up), when present.
    public var operState: UInt8?

    public init(
        index: InterfaceIndex, name: String, flags: UInt32, change: UInt32 = 0, type: UInt16 = 1,
        carrier: Bool? = nil, operState: UInt8? = nil
    ) {
        self.index = index
        self.name = name
        self.flags = flags
        self.change = change
        self.type = type
        self.carrier = carrier
        self.operState = operState
    }
}

/// An RTM_NEWADDR / RTM_DELADDR message for an IPv4 or IPv6 address.
public struct AddressMessage: Sendable, Hashable {
    public var interface: InterfaceIndex
    /// IFA_LOCAL when present (the local end; IFA_ADDRESS is then the peer), else IFA_ADDRESS.
    public var address: IPAddress
    public var prefixLength: UInt8
    /// IFA_FLAGS when present, else the header's 8-bit `ifa_flags` (`InterfaceAddressFlags`).
    public var flags: UInt32
    /// `ifa_scope`: 0 universe, 253 link, 254 host.
    public var scope: UInt8

    public init(interface: InterfaceIndex, address: IPAddress, prefixLength: UInt8, flags: UInt32 = 0, scope: UInt8 = 0)
    {
        self.interface = interface
        self.address = address
        self.prefixLength = prefixLength
        self.flags = flags
        self.scope = scope
    }

    public var addressFlags: InterfaceAddressFlags { InterfaceAddressFlags(rawValue: flags) }
}

/// One rtnetlink message as the network monitor cares about it.
public enum RouteNetlinkMessage: Sendable, Hashable {
    case newLink(LinkMessage)
    case deleteLink(LinkMessage)
    case newAddress(AddressMessage)
    case deleteAddress(AddressMessage)
    /// Any other type (NLMSG_DONE, routes, ...), and address messages of families other
    /// than IPv4/IPv6.
    case other(type: UInt16)
}
