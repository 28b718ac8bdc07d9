import SubflowPolicy
import SubflowSystem

/// rtnetlink numbers the network monitor uses (`<linux/rtnetlink.h>`, `<linux/if_link.h>`,
/// `<linux/if_addr.h>`).
public enum RouteNetlink {
    /// `RTM_*` message types.
    public enum MessageType {
        public static let newLink: UInt16 = 16
        public static let deleteLink: UInt16 = 17
        public static let getLink: UInt16 = 18
        public static let newAddress: UInt16 = 20
        public static let deleteAddress: UInt16 = 21
        public static let getAddress: UInt16 = 22
    }

    /// `RTNLGRP_*` group numbers, for `NETLINK_ADD_MEMBERSHIP`.
    public enum Group {
        public static let link: UInt32 = 1
        public static let ipv4Address: UInt32 = 5
        public static let ipv6Address: UInt32 = 9
    }

    /// `IFLA_*` attributes of link messages.
    public enum LinkAttribute {
        public static let address: UInt16 = 1
        public static let interfaceName: UInt16 = 3
        public static let mtu: UInt16 = 4
        public static let operationalState: UInt16 = 16
        public static let carrier: UInt16 = 33
    }

    /// `IFA_*` attributes of address messages.
    public enum AddressAttribute {
        /// The prefix address (for point-to-point links: the peer's).
        public static let address: UInt16 = 1
        /// The local address (present for IPv4, and for IPv6 addresses with a peer).
        public static let local: UInt16 = 2
        public static let label: UInt16 = 3
        /// u32 flags: supersedes the 8-bit `ifa_flags` of the header.
        public static let flags: UInt16 = 8
    }

    /// `sizeof(struct ifinfomsg)`.
    public static let linkHeaderLength = 16
    /// `sizeof(struct ifaddrmsg)`.
    public static let addressHeaderLength = 8

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

/// `IFA_F_*`: state of an interface address.
public struct InterfaceAddressFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let secondary = InterfaceAddressFlags(rawValue: 0x01)
    public static let noDAD = InterfaceAddressFlags(rawValue: 0x02)
    public static let optimistic = InterfaceAddressFlags(rawValue: 0x04)
    /// Duplicate address detection failed: the address is unusable.
    public static let dadFailed = InterfaceAddressFlags(rawValue: 0x08)
    public static let homeAddress = InterfaceAddressFlags(rawValue: 0x10)
    /// Preferred lifetime over: kept for existing connections, not for new ones.
    public static let deprecated = InterfaceAddressFlags(rawValue: 0x20)
    /// Duplicate address detection still running: the address cannot be bound yet.
    public static let tentative = InterfaceAddressFlags(rawValue: 0x40)
    public static let permanent = InterfaceAddressFlags(rawValue: 0x80)
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

    public init(index: InterfaceIndex, name: String, flags: UInt32, change: UInt32 = 0, type: UInt16 = 1,
                carrier: Bool? = nil, operState: UInt8? = nil) {
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

    public init(interface: InterfaceIndex, address: IPAddress, prefixLength: UInt8, flags: UInt32 = 0, scope: UInt8 = 0) {
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
