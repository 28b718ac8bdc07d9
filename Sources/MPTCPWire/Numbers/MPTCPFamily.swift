/// The generic netlink family of the kernel's MPTCP path manager (`net/mptcp/pm_netlink.c`).
/// Its numeric ID is assigned at boot: resolve it by name with `GenericNetlinkControl`.
public enum MPTCPFamily {
    /// `MPTCP_PM_NAME`.
    public static let name = "mptcp_pm"
    /// `MPTCP_PM_VER`: put in `genlmsghdr.version` of every command; the kernel's events carry it too.
    public static let version: UInt8 = 1
    /// `MPTCP_PM_EV_GRP_NAME`: the multicast group the kernel sends connection events to.
    /// Joining it needs CAP_NET_ADMIN in the network namespace, and joining it is what makes
    /// the kernel consider a userspace path manager present (it then accepts MP_JOINs and
    /// echoes ADD_ADDRs on userspace-PM connections).
    public static let eventsGroup = "mptcp_pm_events"
    /// `MPTCP_PM_CMD_GRP_NAME`: exists, carries nothing the daemon needs.
    public static let commandsGroup = "mptcp_pm_cmds"
}

/// `MPTCP_PM_CMD_*`: the `genlmsghdr.cmd` of a path-manager request.
public enum MPTCPCommandNumber: UInt8, Sendable, Hashable, CaseIterable {
    /// In-kernel PM: add an endpoint.
    case addAddress = 1
    /// In-kernel PM: delete an endpoint (sends RM_ADDR on its connections).
    case deleteAddress = 2
    /// Get one address (doit) or all (dump); with a TOKEN, a userspace-PM connection's local addresses.
    case getAddress = 3
    /// In-kernel PM: delete every endpoint.
    case flushAddresses = 4
    /// In-kernel PM: set limits (each at most 8).
    case setLimits = 5
    /// In-kernel PM: read limits.
    case getLimits = 6
    /// Change BACKUP/FULLMESH of an endpoint, or with a TOKEN send MP_PRIO on one subflow.
    case setFlags = 7
    /// Userspace PM: send ADD_ADDR.
    case announce = 8
    /// Userspace PM: send RM_ADDR.
    case remove = 9
    /// Userspace PM: open a subflow (MP_JOIN).
    case subflowCreate = 10
    /// Userspace PM: close one subflow.
    case subflowDestroy = 11

    /// The kernel's name without its `MPTCP_PM_CMD_` prefix.
    public var name: String {
        switch self {
        case .addAddress: "ADD_ADDR"
        case .deleteAddress: "DEL_ADDR"
        case .getAddress: "GET_ADDR"
        case .flushAddresses: "FLUSH_ADDRS"
        case .setLimits: "SET_LIMITS"
        case .getLimits: "GET_LIMITS"
        case .setFlags: "SET_FLAGS"
        case .announce: "ANNOUNCE"
        case .remove: "REMOVE"
        case .subflowCreate: "SUBFLOW_CREATE"
        case .subflowDestroy: "SUBFLOW_DESTROY"
        }
    }
}

/// `MPTCP_PM_ATTR_*`: top-level attributes of path-manager requests and replies.
/// (`MPTCP_PM_ENDPOINT_ADDR`, used by ADD_ADDR/DEL_ADDR/FLUSH_ADDRS, is the same number 1.)
public enum MPTCPAttribute: UInt16, Sendable, Hashable, CaseIterable {
    /// Nest of `MPTCPAddressAttribute`: the local address / endpoint.
    case address = 1
    /// u32: limit on accepted ADD_ADDRs (in-kernel PM).
    case receivedAddAddrs = 2
    /// u32: limit on extra subflows (in-kernel PM).
    case subflows = 3
    /// u32, host order: the connection token.
    case token = 4
    /// u8: local address ID (REMOVE).
    case localID = 5
    /// Nest of `MPTCPAddressAttribute`: the remote address.
    case addressRemote = 6

    public var name: String {
        switch self {
        case .address: "addr"
        case .receivedAddAddrs: "rcv_add_addrs"
        case .subflows: "subflows"
        case .token: "token"
        case .localID: "loc_id"
        case .addressRemote: "addr_remote"
        }
    }
}

/// `MPTCP_PM_ADDR_ATTR_*`: inside an address nest.
public enum MPTCPAddressAttribute: UInt16, Sendable, Hashable, CaseIterable {
    /// u16, host order: AF_INET 2 or AF_INET6 10.
    case family = 1
    /// u8: address ID.
    case id = 2
    /// 4 bytes, network order (a raw `in_addr`).
    case addr4 = 3
    /// 16 bytes (a raw `in6_addr`).
    case addr6 = 4
    /// u16, **host** order (unlike the events' SPORT/DPORT).
    case port = 5
    /// u32: `AddressFlags`.
    case flags = 6
    /// s32: interface index.
    case interfaceIndex = 7

    public var name: String {
        switch self {
        case .family: "family"
        case .id: "id"
        case .addr4: "addr4"
        case .addr6: "addr6"
        case .port: "port"
        case .flags: "flags"
        case .interfaceIndex: "if_idx"
        }
    }
}

/// `MPTCP_PM_ADDR_FLAG_*`: what an address is used for.
public struct AddressFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Announce it with ADD_ADDR. Required by ANNOUNCE, refused by SUBFLOW_CREATE.
    public static let signal = AddressFlags(rawValue: 1 << 0)
    /// Use it as the source of extra subflows (in-kernel PM; set by SUBFLOW_CREATE).
    public static let subflow = AddressFlags(rawValue: 1 << 1)
    /// Join (or mark with MP_PRIO) as backup.
    public static let backup = AddressFlags(rawValue: 1 << 2)
    /// In-kernel PM: a subflow to every known peer address. Not with `signal`.
    public static let fullmesh = AddressFlags(rawValue: 1 << 3)
    /// Set by the kernel only, on endpoints it created itself.
    public static let implicit = AddressFlags(rawValue: 1 << 4)
    /// In-kernel PM (6.18+): use once as the source toward each newly announced address.
    public static let laminar = AddressFlags(rawValue: 1 << 5)

    private static let names: [(AddressFlags, String)] = [
        (.signal, "signal"), (.subflow, "subflow"), (.backup, "backup"),
        (.fullmesh, "fullmesh"), (.implicit, "implicit"), (.laminar, "laminar"),
    ]

    /// `signal,backup`, as `ip mptcp endpoint` names them; unknown bits as hex; `none` if empty.
    public var description: String {
        var parts = AddressFlags.names.filter { contains($0.0) }.map(\.1)
        let unknown = rawValue & ~AddressFlags.names.reduce(0) { $0 | $1.0.rawValue }
        if unknown != 0 { parts.append("0x" + String(unknown, radix: 16)) }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }
}
