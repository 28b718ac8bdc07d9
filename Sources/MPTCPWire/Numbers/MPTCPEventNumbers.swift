/// `enum mptcp_event_type`: the `genlmsghdr.cmd` of a message in the `mptcp_pm_events` group.
/// The gaps (4, 5, 8, 9, 12, 14) are commands of the out-of-tree API the numbering comes from.
public enum MPTCPEventType: UInt8, Sendable, Hashable, CaseIterable {
    case created = 1
    case established = 2
    case closed = 3
    case announced = 6
    case removed = 7
    case subflowEstablished = 10
    case subflowClosed = 11
    case subflowPriority = 13
    case listenerCreated = 15
    case listenerClosed = 16

    /// The kernel's name without `MPTCP_EVENT_` (`SUB_ESTABLISHED`).
    public var name: String {
        switch self {
        case .created: "CREATED"
        case .established: "ESTABLISHED"
        case .closed: "CLOSED"
        case .announced: "ANNOUNCED"
        case .removed: "REMOVED"
        case .subflowEstablished: "SUB_ESTABLISHED"
        case .subflowClosed: "SUB_CLOSED"
        case .subflowPriority: "SUB_PRIORITY"
        case .listenerCreated: "LISTENER_CREATED"
        case .listenerClosed: "LISTENER_CLOSED"
        }
    }

    /// The label `ip mptcp monitor` prints (`SF_ESTABLISHED`).
    public var monitorName: String {
        switch self {
        case .subflowEstablished: "SF_ESTABLISHED"
        case .subflowClosed: "SF_CLOSED"
        case .subflowPriority: "SF_PRIO"
        default: name
        }
    }
}

/// `enum mptcp_event_attr`: attributes of event messages. Byte orders differ from the
/// command side: SPORT/DPORT are network order here.
public enum MPTCPEventAttribute: UInt16, Sendable, Hashable, CaseIterable {
    /// u32, host order.
    case token = 1
    /// u16, host order: AF_INET 2 / AF_INET6 10 (the subflow socket's family).
    case family = 2
    /// u8.
    case localID = 3
    /// u8.
    case remoteID = 4
    /// 4 bytes, network order.
    case saddr4 = 5
    /// 16 bytes.
    case saddr6 = 6
    /// 4 bytes, network order.
    case daddr4 = 7
    /// 16 bytes.
    case daddr6 = 8
    /// u16, **network** order (`nla_put_be16`).
    case sport = 9
    /// u16, **network** order.
    case dport = 10
    /// u8, 0 or 1: the peer's backup flag for the subflow.
    case backup = 11
    /// u8: an errno (the subflow's `sk_err`).
    case error = 12
    /// u16: `MPTCPEventFlags`; only sent when non-zero.
    case flags = 13
    /// u32: defined, not sent by upstream kernels.
    case timeout = 14
    /// s32: only sent when the subflow is bound to a device.
    case interfaceIndex = 15
    /// u32: `MPTCP_RST_*`, when the peer reset the subflow with an MPTCP reset option.
    case resetReason = 16
    /// u32.
    case resetFlags = 17
    /// u8: deprecated in favour of `MPTCPEventFlags.serverSide`.
    case serverSide = 18

    /// The kernel's name, lowercased without `MPTCP_ATTR_` (as `pm_nl_ctl events` prints it).
    public var name: String {
        switch self {
        case .token: "token"
        case .family: "family"
        case .localID: "loc_id"
        case .remoteID: "rem_id"
        case .saddr4: "saddr4"
        case .saddr6: "saddr6"
        case .daddr4: "daddr4"
        case .daddr6: "daddr6"
        case .sport: "sport"
        case .dport: "dport"
        case .backup: "backup"
        case .error: "error"
        case .flags: "flags"
        case .timeout: "timeout"
        case .interfaceIndex: "if_idx"
        case .resetReason: "reset_reason"
        case .resetFlags: "reset_flags"
        case .serverSide: "server_side"
        }
    }
}

/// `MPTCP_PM_EV_FLAG_*`, the u16 `MPTCP_ATTR_FLAGS` of CREATED and ESTABLISHED.
public struct MPTCPEventFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The peer set MP_CAPABLE's "C" flag: no subflow may be opened to its initial address
    /// and port (RFC 8684 section 3.1).
    public static let denyJoinInitialEndpoint = MPTCPEventFlags(rawValue: 1 << 0)
    /// This host accepted the connection (replaces the SERVER_SIDE attribute, 6.18+).
    public static let serverSide = MPTCPEventFlags(rawValue: 1 << 1)
}

/// `MPTCP_RST_*`: the reason code of an MPTCP reset option (RFC 8684 section 3.6).
public enum MPTCPResetReason: UInt32, Sendable, Hashable, CaseIterable {
    case unspecified = 0
    case mptcpError = 1
    case lackOfResources = 2
    case administrativelyProhibited = 3
    case tooMuchOutstandingData = 4
    case unacceptablePerformance = 5
    case middleboxInterference = 6

    /// The kernel's name without `MPTCP_RST_`.
    public var name: String {
        switch self {
        case .unspecified: "EUNSPEC"
        case .mptcpError: "EMPTCP"
        case .lackOfResources: "ERESOURCE"
        case .administrativelyProhibited: "EPROHIBIT"
        case .tooMuchOutstandingData: "EWQ2BIG"
        case .unacceptablePerformance: "EBADPERF"
        case .middleboxInterference: "EMIDDLEBOX"
        }
    }
}
