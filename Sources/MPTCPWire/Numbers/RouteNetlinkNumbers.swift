/// rtnetlink numbers (`<linux/rtnetlink.h>`, `<linux/if_link.h>`, `<linux/if_addr.h>`).
public enum RouteNetlink {
    /// `RTM_*` message types.
    public enum MessageType {
        public static let newLink: UInt16 = 16
        public static let deleteLink: UInt16 = 17
        public static let getLink: UInt16 = 18
        public static let newAddress: UInt16 = 20
        public static let deleteAddress: UInt16 = 21
        public static let getAddress: UInt16 = 22
        public static let newRoute: UInt16 = 24
        public static let getRoute: UInt16 = 26
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

    /// `RTA_*` attributes of route messages.
    public enum RouteAttribute {
        public static let destination: UInt16 = 1
        public static let source: UInt16 = 2
        /// u32 input interface index (a lookup as if the packet had arrived there).
        public static let inputInterface: UInt16 = 3
        /// u32 output interface index.
        public static let outputInterface: UInt16 = 4
        public static let gateway: UInt16 = 5
        public static let preferredSource: UInt16 = 7
        /// u32 table id (supersedes the 8-bit `rtm_table` for ids above 255).
        public static let table: UInt16 = 15
    }

    /// `sizeof(struct ifinfomsg)`.
    public static let linkHeaderLength = 16
    /// `sizeof(struct ifaddrmsg)`.
    public static let addressHeaderLength = 8
    /// `sizeof(struct rtmsg)`.
    public static let routeHeaderLength = 12
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

/// `IFF_*`: the `ifi_flags` of a link (`<linux/if.h>`).
public struct InterfaceFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let up = InterfaceFlags(rawValue: 0x1)
    public static let broadcast = InterfaceFlags(rawValue: 0x2)
    public static let loopback = InterfaceFlags(rawValue: 0x8)
    public static let running = InterfaceFlags(rawValue: 0x40)
    public static let multicast = InterfaceFlags(rawValue: 0x1000)
    public static let lowerUp = InterfaceFlags(rawValue: 0x10000)
}

/// `IF_OPER_*`: RFC 2863 operational states, the value of `IFLA_OPERSTATE`.
public enum OperationalState {
    public static let unknown: UInt8 = 0
    public static let down: UInt8 = 2
    public static let up: UInt8 = 6
}

/// `ARPHRD_*`: link-layer types, the `ifi_type` of a link (`<linux/if_arp.h>`).
public enum HardwareType {
    public static let ether: UInt16 = 1
    public static let loopback: UInt16 = 772
}
