// CELL before CMNL: with Swift 6.3, a file of this module that imports CMNL first without
// CELL loaded can lose macros such as NLM_F_DUMP ("structure not supported").
import CELL
import CMNL

/// The values of kernel constants as the *installed* uapi headers define them, by C name.
///
/// subflowd carries its own copy of every number it sends or reads (the installed headers
/// may be older than the running kernel: Debian 12 ships the 6.1 `<linux/mptcp.h>`, which
/// lacks the listener events, the event FLAGS bits and LAMINAR). Tests compare the carried
/// numbers with these wherever both exist.
public enum InstalledKernelHeaders {
    private static func v<T: BinaryInteger>(_ value: T) -> Int64 { Int64(value) }

    /// Integer constants, keyed by their C name.
    public static let integers: [String: Int64] = {
        var table: [String: Int64] = [
            // <linux/mptcp.h>: generic netlink family
            "MPTCP_PM_VER": v(MPTCP_PM_VER),
            "MPTCP_PM_CMD_ADD_ADDR": v(MPTCP_PM_CMD_ADD_ADDR),
            "MPTCP_PM_CMD_DEL_ADDR": v(MPTCP_PM_CMD_DEL_ADDR),
            "MPTCP_PM_CMD_GET_ADDR": v(MPTCP_PM_CMD_GET_ADDR),
            "MPTCP_PM_CMD_FLUSH_ADDRS": v(MPTCP_PM_CMD_FLUSH_ADDRS),
            "MPTCP_PM_CMD_SET_LIMITS": v(MPTCP_PM_CMD_SET_LIMITS),
            "MPTCP_PM_CMD_GET_LIMITS": v(MPTCP_PM_CMD_GET_LIMITS),
            "MPTCP_PM_CMD_SET_FLAGS": v(MPTCP_PM_CMD_SET_FLAGS),
            "MPTCP_PM_CMD_ANNOUNCE": v(MPTCP_PM_CMD_ANNOUNCE),
            "MPTCP_PM_CMD_REMOVE": v(MPTCP_PM_CMD_REMOVE),
            "MPTCP_PM_CMD_SUBFLOW_CREATE": v(MPTCP_PM_CMD_SUBFLOW_CREATE),
            "MPTCP_PM_CMD_SUBFLOW_DESTROY": v(MPTCP_PM_CMD_SUBFLOW_DESTROY),
            "MPTCP_PM_ATTR_ADDR": v(MPTCP_PM_ATTR_ADDR),
            "MPTCP_PM_ATTR_RCV_ADD_ADDRS": v(MPTCP_PM_ATTR_RCV_ADD_ADDRS),
            "MPTCP_PM_ATTR_SUBFLOWS": v(MPTCP_PM_ATTR_SUBFLOWS),
            "MPTCP_PM_ATTR_TOKEN": v(MPTCP_PM_ATTR_TOKEN),
            "MPTCP_PM_ATTR_LOC_ID": v(MPTCP_PM_ATTR_LOC_ID),
            "MPTCP_PM_ATTR_ADDR_REMOTE": v(MPTCP_PM_ATTR_ADDR_REMOTE),
            "MPTCP_PM_ADDR_ATTR_FAMILY": v(MPTCP_PM_ADDR_ATTR_FAMILY),
            "MPTCP_PM_ADDR_ATTR_ID": v(MPTCP_PM_ADDR_ATTR_ID),
            "MPTCP_PM_ADDR_ATTR_ADDR4": v(MPTCP_PM_ADDR_ATTR_ADDR4),
            "MPTCP_PM_ADDR_ATTR_ADDR6": v(MPTCP_PM_ADDR_ATTR_ADDR6),
            "MPTCP_PM_ADDR_ATTR_PORT": v(MPTCP_PM_ADDR_ATTR_PORT),
            "MPTCP_PM_ADDR_ATTR_FLAGS": v(MPTCP_PM_ADDR_ATTR_FLAGS),
            "MPTCP_PM_ADDR_ATTR_IF_IDX": v(MPTCP_PM_ADDR_ATTR_IF_IDX),
            "MPTCP_PM_ADDR_FLAG_SIGNAL": v(SFD_MPTCP_PM_ADDR_FLAG_SIGNAL),
            "MPTCP_PM_ADDR_FLAG_SUBFLOW": v(SFD_MPTCP_PM_ADDR_FLAG_SUBFLOW),
            "MPTCP_PM_ADDR_FLAG_BACKUP": v(SFD_MPTCP_PM_ADDR_FLAG_BACKUP),
            "MPTCP_PM_ADDR_FLAG_FULLMESH": v(SFD_MPTCP_PM_ADDR_FLAG_FULLMESH),
            "MPTCP_PM_ADDR_FLAG_IMPLICIT": v(SFD_MPTCP_PM_ADDR_FLAG_IMPLICIT),
            // <linux/mptcp.h>: events
            "MPTCP_EVENT_CREATED": v(MPTCP_EVENT_CREATED.rawValue),
            "MPTCP_EVENT_ESTABLISHED": v(MPTCP_EVENT_ESTABLISHED.rawValue),
            "MPTCP_EVENT_CLOSED": v(MPTCP_EVENT_CLOSED.rawValue),
            "MPTCP_EVENT_ANNOUNCED": v(MPTCP_EVENT_ANNOUNCED.rawValue),
            "MPTCP_EVENT_REMOVED": v(MPTCP_EVENT_REMOVED.rawValue),
            "MPTCP_EVENT_SUB_ESTABLISHED": v(MPTCP_EVENT_SUB_ESTABLISHED.rawValue),
            "MPTCP_EVENT_SUB_CLOSED": v(MPTCP_EVENT_SUB_CLOSED.rawValue),
            "MPTCP_EVENT_SUB_PRIORITY": v(MPTCP_EVENT_SUB_PRIORITY.rawValue),
            "MPTCP_ATTR_TOKEN": v(MPTCP_ATTR_TOKEN.rawValue),
            "MPTCP_ATTR_FAMILY": v(MPTCP_ATTR_FAMILY.rawValue),
            "MPTCP_ATTR_LOC_ID": v(MPTCP_ATTR_LOC_ID.rawValue),
            "MPTCP_ATTR_REM_ID": v(MPTCP_ATTR_REM_ID.rawValue),
            "MPTCP_ATTR_SADDR4": v(MPTCP_ATTR_SADDR4.rawValue),
            "MPTCP_ATTR_SADDR6": v(MPTCP_ATTR_SADDR6.rawValue),
            "MPTCP_ATTR_DADDR4": v(MPTCP_ATTR_DADDR4.rawValue),
            "MPTCP_ATTR_DADDR6": v(MPTCP_ATTR_DADDR6.rawValue),
            "MPTCP_ATTR_SPORT": v(MPTCP_ATTR_SPORT.rawValue),
            "MPTCP_ATTR_DPORT": v(MPTCP_ATTR_DPORT.rawValue),
            "MPTCP_ATTR_BACKUP": v(MPTCP_ATTR_BACKUP.rawValue),
            "MPTCP_ATTR_ERROR": v(MPTCP_ATTR_ERROR.rawValue),
            "MPTCP_ATTR_FLAGS": v(MPTCP_ATTR_FLAGS.rawValue),
            "MPTCP_ATTR_TIMEOUT": v(MPTCP_ATTR_TIMEOUT.rawValue),
            "MPTCP_ATTR_IF_IDX": v(MPTCP_ATTR_IF_IDX.rawValue),
            "MPTCP_ATTR_RESET_REASON": v(MPTCP_ATTR_RESET_REASON.rawValue),
            "MPTCP_ATTR_RESET_FLAGS": v(MPTCP_ATTR_RESET_FLAGS.rawValue),
            "MPTCP_ATTR_SERVER_SIDE": v(MPTCP_ATTR_SERVER_SIDE.rawValue),
            "MPTCP_RST_EUNSPEC": v(MPTCP_RST_EUNSPEC),
            "MPTCP_RST_EMPTCP": v(MPTCP_RST_EMPTCP),
            "MPTCP_RST_ERESOURCE": v(MPTCP_RST_ERESOURCE),
            "MPTCP_RST_EPROHIBIT": v(MPTCP_RST_EPROHIBIT),
            "MPTCP_RST_EWQ2BIG": v(MPTCP_RST_EWQ2BIG),
            "MPTCP_RST_EBADPERF": v(MPTCP_RST_EBADPERF),
            "MPTCP_RST_EMIDDLEBOX": v(MPTCP_RST_EMIDDLEBOX),
            // <linux/netlink.h>
            "NLMSG_NOOP": v(NLMSG_NOOP),
            "NLMSG_ERROR": v(NLMSG_ERROR),
            "NLMSG_DONE": v(NLMSG_DONE),
            "NLMSG_OVERRUN": v(NLMSG_OVERRUN),
            "NLMSG_MIN_TYPE": v(NLMSG_MIN_TYPE),
            "NLM_F_REQUEST": v(NLM_F_REQUEST),
            "NLM_F_MULTI": v(NLM_F_MULTI),
            "NLM_F_ACK": v(NLM_F_ACK),
            "NLM_F_ECHO": v(NLM_F_ECHO),
            "NLM_F_DUMP_INTR": v(NLM_F_DUMP_INTR),
            "NLM_F_DUMP_FILTERED": v(NLM_F_DUMP_FILTERED),
            "NLM_F_ROOT": v(NLM_F_ROOT),
            "NLM_F_MATCH": v(NLM_F_MATCH),
            "NLM_F_DUMP": v(NLM_F_DUMP),
            "NLM_F_CAPPED": v(NLM_F_CAPPED),
            "NLM_F_ACK_TLVS": v(NLM_F_ACK_TLVS),
            "NLA_F_NESTED": v(SFD_NLA_F_NESTED),
            "NLA_F_NET_BYTEORDER": v(NLA_F_NET_BYTEORDER),
            // `~(NLA_F_NESTED | NLA_F_NET_BYTEORDER)`: an int in C, a 16-bit mask on the wire.
            "NLA_TYPE_MASK": v(UInt16(truncatingIfNeeded: SFD_NLA_TYPE_MASK)),
            "NLMSGERR_ATTR_MSG": v(NLMSGERR_ATTR_MSG.rawValue),
            "NLMSGERR_ATTR_OFFS": v(NLMSGERR_ATTR_OFFS.rawValue),
            "NLMSGERR_ATTR_COOKIE": v(NLMSGERR_ATTR_COOKIE.rawValue),
            "NLMSGERR_ATTR_POLICY": v(NLMSGERR_ATTR_POLICY.rawValue),
            "NLMSGERR_ATTR_MISS_TYPE": v(NLMSGERR_ATTR_MISS_TYPE.rawValue),
            "NLMSGERR_ATTR_MISS_NEST": v(NLMSGERR_ATTR_MISS_NEST.rawValue),
            "NETLINK_ROUTE": v(NETLINK_ROUTE),
            "NETLINK_GENERIC": v(NETLINK_GENERIC),
            // <linux/genetlink.h>
            "GENL_HDRLEN": v(SFD_GENL_HDRLEN),
            "GENL_ID_CTRL": v(GENL_ID_CTRL),
            "CTRL_CMD_GETFAMILY": v(CTRL_CMD_GETFAMILY),
            "CTRL_ATTR_FAMILY_ID": v(CTRL_ATTR_FAMILY_ID),
            "CTRL_ATTR_FAMILY_NAME": v(CTRL_ATTR_FAMILY_NAME),
            "CTRL_ATTR_VERSION": v(CTRL_ATTR_VERSION),
            "CTRL_ATTR_HDRSIZE": v(CTRL_ATTR_HDRSIZE),
            "CTRL_ATTR_MAXATTR": v(CTRL_ATTR_MAXATTR),
            "CTRL_ATTR_OPS": v(CTRL_ATTR_OPS),
            "CTRL_ATTR_MCAST_GROUPS": v(CTRL_ATTR_MCAST_GROUPS),
            "CTRL_ATTR_MCAST_GRP_NAME": v(CTRL_ATTR_MCAST_GRP_NAME),
            "CTRL_ATTR_MCAST_GRP_ID": v(CTRL_ATTR_MCAST_GRP_ID),
            // <linux/rtnetlink.h>, <linux/if_link.h>, <linux/if_addr.h>
            "RTM_NEWLINK": v(RTM_NEWLINK),
            "RTM_DELLINK": v(RTM_DELLINK),
            "RTM_GETLINK": v(RTM_GETLINK),
            "RTM_NEWADDR": v(RTM_NEWADDR),
            "RTM_DELADDR": v(RTM_DELADDR),
            "RTM_GETADDR": v(RTM_GETADDR),
            "RTM_NEWROUTE": v(RTM_NEWROUTE),
            "RTM_GETROUTE": v(RTM_GETROUTE),
            "RTA_DST": v(RTA_DST.rawValue),
            "RTA_SRC": v(RTA_SRC.rawValue),
            "RTA_IIF": v(RTA_IIF.rawValue),
            "RTA_OIF": v(RTA_OIF.rawValue),
            "RTA_GATEWAY": v(RTA_GATEWAY.rawValue),
            "RTA_PREFSRC": v(RTA_PREFSRC.rawValue),
            "RTA_TABLE": v(RTA_TABLE.rawValue),
            "sizeof(struct rtmsg)": v(MemoryLayout<rtmsg>.size),
            "RTNLGRP_LINK": v(RTNLGRP_LINK.rawValue),
            "RTNLGRP_IPV4_IFADDR": v(RTNLGRP_IPV4_IFADDR.rawValue),
            "RTNLGRP_IPV6_IFADDR": v(RTNLGRP_IPV6_IFADDR.rawValue),
            "IFLA_ADDRESS": v(IFLA_ADDRESS),
            "IFLA_IFNAME": v(IFLA_IFNAME),
            "IFLA_MTU": v(IFLA_MTU),
            "IFLA_OPERSTATE": v(IFLA_OPERSTATE),
            "IFLA_CARRIER": v(IFLA_CARRIER),
            "IFA_ADDRESS": v(IFA_ADDRESS),
            "IFA_LOCAL": v(IFA_LOCAL),
            "IFA_LABEL": v(IFA_LABEL),
            "IFA_FLAGS": v(IFA_FLAGS),
            "IFA_F_SECONDARY": v(IFA_F_SECONDARY),
            "IFA_F_NODAD": v(IFA_F_NODAD),
            "IFA_F_DADFAILED": v(IFA_F_DADFAILED),
            "IFA_F_DEPRECATED": v(IFA_F_DEPRECATED),
            "IFA_F_TENTATIVE": v(IFA_F_TENTATIVE),
            "IFA_F_PERMANENT": v(IFA_F_PERMANENT),
            "IFF_UP": v(IFF_UP.rawValue),
            "IFF_LOOPBACK": v(IFF_LOOPBACK.rawValue),
            "IFF_RUNNING": v(IFF_RUNNING.rawValue),
            "IFF_LOWER_UP": v(IFF_LOWER_UP.rawValue),
            "AF_UNSPEC": v(AF_UNSPEC),
            "AF_INET": v(AF_INET),
            "AF_INET6": v(AF_INET6),
            "AF_NETLINK": v(AF_NETLINK),
            "SOL_NETLINK": v(SFD_SOL_NETLINK),
            "IPPROTO_MPTCP": v(SFD_IPPROTO_MPTCP),
        ]
        // Flags newer headers add: present only when the installed header defines them.
        let optional: [(name: String, defined: Int64, value: Int64)] = [
            (
                "MPTCP_PM_EV_FLAG_DENY_JOIN_ID0", v(SFD_HAS_MPTCP_PM_EV_FLAG_DENY_JOIN_ID0),
                v(SFD_MPTCP_PM_EV_FLAG_DENY_JOIN_ID0)
            ),
            (
                "MPTCP_PM_EV_FLAG_SERVER_SIDE", v(SFD_HAS_MPTCP_PM_EV_FLAG_SERVER_SIDE),
                v(SFD_MPTCP_PM_EV_FLAG_SERVER_SIDE)
            ),
            ("MPTCP_PM_ADDR_FLAG_LAMINAR", v(SFD_HAS_MPTCP_PM_ADDR_FLAG_LAMINAR), v(SFD_MPTCP_PM_ADDR_FLAG_LAMINAR)),
        ]
        for flag in optional where flag.defined != 0 { table[flag.name] = flag.value }
        return table
    }()

    /// String constants (family and group names), keyed by their C name.
    public static let strings: [String: String] = [
        "MPTCP_PM_NAME": MPTCP_PM_NAME,
        "MPTCP_PM_CMD_GRP_NAME": MPTCP_PM_CMD_GRP_NAME,
        "MPTCP_PM_EV_GRP_NAME": MPTCP_PM_EV_GRP_NAME,
    ]
    /// Socket-diagnostics numbers (`<linux/sock_diag.h>`, `<linux/inet_diag.h>`, the subflow
    /// part of `<linux/mptcp.h>`), keyed by C name; MPTCPWire's `SockDiag.installedHeaderAgrees`
    /// compares the codec's copies with them.
    public static let socketDiagnostics: [String: Int64] = [
        "NETLINK_SOCK_DIAG": v(NETLINK_SOCK_DIAG),
        "SOCK_DIAG_BY_FAMILY": v(SOCK_DIAG_BY_FAMILY),
        "IPPROTO_MPTCP": v(SFD_IPPROTO_MPTCP),
        "INET_DIAG_REQ_PROTOCOL": v(INET_DIAG_REQ_PROTOCOL),
        "INET_DIAG_INFO": v(INET_DIAG_INFO),
        "INET_DIAG_SHUTDOWN": v(INET_DIAG_SHUTDOWN),
        "INET_DIAG_MARK": v(INET_DIAG_MARK),
        "INET_DIAG_ULP_INFO": v(INET_DIAG_ULP_INFO),
        "INET_DIAG_CGROUP_ID": v(INET_DIAG_CGROUP_ID),
        "INET_DIAG_SOCKOPT": v(INET_DIAG_SOCKOPT),
        "INET_ULP_INFO_NAME": v(INET_ULP_INFO_NAME),
        "INET_ULP_INFO_MPTCP": v(INET_ULP_INFO_MPTCP),
        "MPTCP_SUBFLOW_ATTR_TOKEN_REM": v(MPTCP_SUBFLOW_ATTR_TOKEN_REM),
        "MPTCP_SUBFLOW_ATTR_TOKEN_LOC": v(MPTCP_SUBFLOW_ATTR_TOKEN_LOC),
        "MPTCP_SUBFLOW_ATTR_RELWRITE_SEQ": v(MPTCP_SUBFLOW_ATTR_RELWRITE_SEQ),
        "MPTCP_SUBFLOW_ATTR_MAP_SEQ": v(MPTCP_SUBFLOW_ATTR_MAP_SEQ),
        "MPTCP_SUBFLOW_ATTR_MAP_SFSEQ": v(MPTCP_SUBFLOW_ATTR_MAP_SFSEQ),
        "MPTCP_SUBFLOW_ATTR_SSN_OFFSET": v(MPTCP_SUBFLOW_ATTR_SSN_OFFSET),
        "MPTCP_SUBFLOW_ATTR_MAP_DATALEN": v(MPTCP_SUBFLOW_ATTR_MAP_DATALEN),
        "MPTCP_SUBFLOW_ATTR_FLAGS": v(MPTCP_SUBFLOW_ATTR_FLAGS),
        "MPTCP_SUBFLOW_ATTR_ID_REM": v(MPTCP_SUBFLOW_ATTR_ID_REM),
        "MPTCP_SUBFLOW_ATTR_ID_LOC": v(MPTCP_SUBFLOW_ATTR_ID_LOC),
        "MPTCP_SUBFLOW_ATTR_PAD": v(MPTCP_SUBFLOW_ATTR_PAD),
        "MPTCP_SUBFLOW_FLAG_MCAP_REM": v(SFD_MPTCP_SUBFLOW_FLAG_MCAP_REM),
        "MPTCP_SUBFLOW_FLAG_MCAP_LOC": v(SFD_MPTCP_SUBFLOW_FLAG_MCAP_LOC),
        "MPTCP_SUBFLOW_FLAG_JOIN_REM": v(SFD_MPTCP_SUBFLOW_FLAG_JOIN_REM),
        "MPTCP_SUBFLOW_FLAG_JOIN_LOC": v(SFD_MPTCP_SUBFLOW_FLAG_JOIN_LOC),
        "MPTCP_SUBFLOW_FLAG_BKUP_REM": v(SFD_MPTCP_SUBFLOW_FLAG_BKUP_REM),
        "MPTCP_SUBFLOW_FLAG_BKUP_LOC": v(SFD_MPTCP_SUBFLOW_FLAG_BKUP_LOC),
        "MPTCP_SUBFLOW_FLAG_FULLY_ESTABLISHED": v(SFD_MPTCP_SUBFLOW_FLAG_FULLY_ESTABLISHED),
        "MPTCP_SUBFLOW_FLAG_CONNECTED": v(SFD_MPTCP_SUBFLOW_FLAG_CONNECTED),
        "MPTCP_SUBFLOW_FLAG_MAPVALID": v(SFD_MPTCP_SUBFLOW_FLAG_MAPVALID),
    ]

    /// Sizes and field offsets of the socket-diagnostics structs, keyed "struct.field" (and
    /// "struct" for the size); a field of the embedded `inet_diag_sockid` counts from the
    /// start of `inet_diag_msg`.
    public static let socketDiagnosticsLayout: [String: Int] = {
        typealias M = MemoryLayout<inet_diag_msg>
        typealias R = MemoryLayout<inet_diag_req_v2>
        typealias S = MemoryLayout<inet_diag_sockid>
        let id = M.offset(of: \inet_diag_msg.id) ?? -1
        var layout: [String: Int] = ["inet_diag_msg": M.size, "inet_diag_req_v2": R.size]
        layout["inet_diag_msg.idiag_family"] = M.offset(of: \inet_diag_msg.idiag_family)
        layout["inet_diag_msg.idiag_state"] = M.offset(of: \inet_diag_msg.idiag_state)
        layout["inet_diag_msg.idiag_timer"] = M.offset(of: \inet_diag_msg.idiag_timer)
        layout["inet_diag_msg.idiag_retrans"] = M.offset(of: \inet_diag_msg.idiag_retrans)
        layout["inet_diag_msg.idiag_expires"] = M.offset(of: \inet_diag_msg.idiag_expires)
        layout["inet_diag_msg.idiag_rqueue"] = M.offset(of: \inet_diag_msg.idiag_rqueue)
        layout["inet_diag_msg.idiag_wqueue"] = M.offset(of: \inet_diag_msg.idiag_wqueue)
        layout["inet_diag_msg.idiag_uid"] = M.offset(of: \inet_diag_msg.idiag_uid)
        layout["inet_diag_msg.idiag_inode"] = M.offset(of: \inet_diag_msg.idiag_inode)
        layout["inet_diag_msg.id.idiag_sport"] = S.offset(of: \inet_diag_sockid.idiag_sport).map { id + $0 }
        layout["inet_diag_msg.id.idiag_dport"] = S.offset(of: \inet_diag_sockid.idiag_dport).map { id + $0 }
        layout["inet_diag_msg.id.idiag_src"] = S.offset(of: \inet_diag_sockid.idiag_src).map { id + $0 }
        layout["inet_diag_msg.id.idiag_dst"] = S.offset(of: \inet_diag_sockid.idiag_dst).map { id + $0 }
        layout["inet_diag_msg.id.idiag_if"] = S.offset(of: \inet_diag_sockid.idiag_if).map { id + $0 }
        layout["inet_diag_msg.id.idiag_cookie"] = S.offset(of: \inet_diag_sockid.idiag_cookie).map { id + $0 }
        layout["inet_diag_req_v2.sdiag_family"] = R.offset(of: \inet_diag_req_v2.sdiag_family)
        layout["inet_diag_req_v2.sdiag_protocol"] = R.offset(of: \inet_diag_req_v2.sdiag_protocol)
        layout["inet_diag_req_v2.idiag_ext"] = R.offset(of: \inet_diag_req_v2.idiag_ext)
        layout["inet_diag_req_v2.pad"] = R.offset(of: \inet_diag_req_v2.pad)
        layout["inet_diag_req_v2.idiag_states"] = R.offset(of: \inet_diag_req_v2.idiag_states)
        layout["inet_diag_req_v2.id"] = R.offset(of: \inet_diag_req_v2.id)
        return layout
    }()
}
