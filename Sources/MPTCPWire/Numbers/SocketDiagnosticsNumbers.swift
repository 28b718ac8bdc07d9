import SubflowSystem

/// Numbers of the kernel's socket-diagnostics interface (`<linux/sock_diag.h>`,
/// `<linux/inet_diag.h>`, and the subflow part of `<linux/mptcp.h>`), carried here so that the
/// codec (MPTCPWire/Diag) reads replies without C. `installedHeaderAgrees` compares every one
/// of them with the installed headers.
///
/// A dump is one `SOCK_DIAG_BY_FAMILY` request (`struct inet_diag_req_v2`) on a
/// `NETLINK_SOCK_DIAG` socket; the kernel answers with one `SOCK_DIAG_BY_FAMILY` message per
/// socket (`struct inet_diag_msg` + attributes), flagged `NLM_F_MULTI`, then `NLMSG_DONE`.
public enum SockDiag {
    /// `NETLINK_SOCK_DIAG` (alias `NETLINK_INET_DIAG`): the netlink protocol of socket dumps.
    public static let netlinkProtocol = NetlinkProtocolNumber.sockDiag
    /// `SOCK_DIAG_BY_FAMILY`: the type of requests and of each socket in the reply.
    public static let byFamily: UInt16 = 20
    /// `IPPROTO_TCP`: the TCP dump, where MPTCP subflows appear (each with its MPTCP ULP info).
    public static let protocolTCP: UInt32 = 6
    /// `IPPROTO_MPTCP`: the MPTCP dump (`net/mptcp/mptcp_diag.c`), one message per MPTCP socket
    /// (msk). 262 does not fit `sdiag_protocol` (a u8): it goes in `INET_DIAG_REQ_PROTOCOL`.
    public static let protocolMPTCP: UInt32 = 262
    /// `AF_INET`, `AF_INET6`: `sdiag_family`. The kernel dumps one family per request.
    public static let familyIPv4: UInt8 = 2
    public static let familyIPv6: UInt8 = 10
}

/// Request attributes after `struct inet_diag_req_v2` (`enum { INET_DIAG_REQ_* }`).
public enum InetDiagRequestAttribute {
    /// `INET_DIAG_REQ_PROTOCOL` (u32): the protocol, for numbers above 255 (MPTCP). When present
    /// the kernel uses it instead of `sdiag_protocol` (`inet_diag_get_protocol`).
    public static let protocolNumber: UInt16 = 3
}

/// Reply attributes after `struct inet_diag_msg` (`enum { INET_DIAG_* }`).
public enum InetDiagAttribute {
    /// `INET_DIAG_INFO`: the protocol's info struct: `struct tcp_info` for TCP, `struct
    /// mptcp_info` for MPTCP (its `mptcpi_token` is the connection's local token).
    public static let info: UInt16 = 2
    /// `INET_DIAG_SHUTDOWN` (u8): `sk_shutdown`, always sent.
    public static let shutdown: UInt16 = 8
    /// `INET_DIAG_MARK` (u32), only to CAP_NET_ADMIN.
    public static let mark: UInt16 = 15
    /// `INET_DIAG_ULP_INFO` (nest, without `NLA_F_NESTED`): the upper-layer protocol of a TCP
    /// socket. Seen on 6.18: TCP sends it only when `INET_DIAG_INFO` was asked for in
    /// `idiag_ext` (its own number, 19, does not fit the 8-bit mask).
    public static let ulpInfo: UInt16 = 19
    /// `INET_DIAG_CGROUP_ID` (u64), always sent.
    public static let cgroupID: UInt16 = 21
    /// `INET_DIAG_SOCKOPT` (`struct inet_diag_sockopt`, 2 bytes), always sent.
    public static let socketOptions: UInt16 = 22

    /// The `idiag_ext` bit that asks for extension `attribute` (`1 << (attribute - 1)`; only
    /// attributes 1 to 8 can be asked for).
    public static func requestBit(_ attribute: UInt16) -> UInt8 {
        precondition((1...8).contains(attribute), "idiag_ext has 8 bits: attribute \(attribute) cannot be requested")
        return UInt8(1) << UInt8(attribute - 1)
    }
}

/// Inside `INET_DIAG_ULP_INFO` (`enum { INET_ULP_INFO_* }`).
public enum InetULPInfoAttribute {
    /// `INET_ULP_INFO_NAME`: the ULP's name, NUL-terminated: "mptcp" for an MPTCP subflow.
    public static let name: UInt16 = 1
    /// `INET_ULP_INFO_MPTCP`: nest of `MPTCP_SUBFLOW_ATTR_*` (`net/mptcp/diag.c`). Absent for a
    /// listening subflow and for a socket whose MPTCP context is already gone.
    public static let mptcp: UInt16 = 3
}

/// Inside `INET_ULP_INFO_MPTCP` (`enum { MPTCP_SUBFLOW_ATTR_* }`, filled by
/// `subflow_get_info` in `net/mptcp/diag.c`).
public enum MPTCPSubflowAttribute {
    /// u32: the peer's token (0 on the MP_CAPABLE subflow: the kernel keeps it on the msk).
    public static let tokenRemote: UInt16 = 1
    /// u32: this host's token of the connection: what path-manager events and commands use.
    public static let tokenLocal: UInt16 = 2
    public static let relativeWriteSequence: UInt16 = 3
    /// u64, aligned with `padding` before it when needed.
    public static let mapSequence: UInt16 = 4
    public static let mapSubflowSequence: UInt16 = 5
    public static let ssnOffset: UInt16 = 6
    /// u16.
    public static let mapDataLength: UInt16 = 7
    /// u32: `MPTCP_SUBFLOW_FLAG_*`.
    public static let flags: UInt16 = 8
    /// u8: the peer's address ID of this subflow's remote address.
    public static let remoteID: UInt16 = 9
    /// u8: this host's address ID of this subflow's local address (`subflow_get_local_id`).
    public static let localID: UInt16 = 10
    public static let padding: UInt16 = 11
}

/// `MPTCP_SUBFLOW_FLAG_*` bits of `MPTCP_SUBFLOW_ATTR_FLAGS`: which `mptcp_subflow_context`
/// bit each one copies.
public enum MPTCPSubflowFlagBit {
    /// `mp_capable`: the subflow carried MP_CAPABLE (the connection's initial subflow).
    public static let mpCapableRemote: UInt32 = 1 << 0
    /// `request_mptcp`: this host sent MP_CAPABLE in its SYN, i.e. it opened the connection.
    public static let mpCapableLocal: UInt32 = 1 << 1
    /// `mp_join`: the subflow joined with MP_JOIN.
    public static let joinRemote: UInt32 = 1 << 2
    /// `request_join`: this host sent the MP_JOIN SYN (it opened this subflow).
    public static let joinLocal: UInt32 = 1 << 3
    /// `backup`: the peer's backup flag (what SUB_ESTABLISHED's BACKUP reports).
    public static let backupRemote: UInt32 = 1 << 4
    /// `request_bkup`: this host asked for backup when it opened the subflow.
    public static let backupLocal: UInt32 = 1 << 5
    /// `fully_established`: the MPTCP handshake completed on this subflow.
    public static let fullyEstablished: UInt32 = 1 << 6
    /// `conn_finished`.
    public static let connected: UInt32 = 1 << 7
    /// `map_valid`.
    public static let mapValid: UInt32 = 1 << 8
}

/// Byte offsets of `struct inet_diag_msg` (72 bytes; attributes follow at `NLMSG_ALIGN(72)`).
/// Ports and addresses are in network order; the rest in host order.
public enum InetDiagMessageLayout {
    public static let family = 0, state = 1, timer = 2, retransmits = 3
    /// `struct inet_diag_sockid id`: sport 4, dport 6, src[4] 8, dst[4] 24, if 40, cookie[2] 44.
    public static let sourcePort = 4, destinationPort = 6, source = 8, destination = 24
    public static let interface = 40, cookie = 44
    public static let expires = 52, receiveQueue = 56, sendQueue = 60, uid = 64, inode = 68
    public static let size = 72
}

/// Byte offsets of `struct inet_diag_req_v2` (56 bytes).
public enum InetDiagRequestLayout {
    public static let family = 0, protocolNumber = 1, extensions = 2, pad = 3, states = 4
    /// `struct inet_diag_sockid id` starts here; all zero in a dump of everything.
    public static let socketID = 8
    public static let size = 56
}

extension SockDiag {
    /// True when every socket-diagnostics number and offset above equals the installed
    /// header's (`InstalledKernelHeaders`): a header change cannot silently shift the decoding.
    public static var installedHeaderAgrees: Bool {
        let numbers = InstalledKernelHeaders.socketDiagnostics
        let layout = InstalledKernelHeaders.socketDiagnosticsLayout
        let carried: [(String, Int64)] = [
            ("NETLINK_SOCK_DIAG", Int64(netlinkProtocol)),
            ("SOCK_DIAG_BY_FAMILY", Int64(byFamily)),
            ("IPPROTO_MPTCP", Int64(protocolMPTCP)),
            ("INET_DIAG_REQ_PROTOCOL", Int64(InetDiagRequestAttribute.protocolNumber)),
            ("INET_DIAG_INFO", Int64(InetDiagAttribute.info)),
            ("INET_DIAG_SHUTDOWN", Int64(InetDiagAttribute.shutdown)),
            ("INET_DIAG_MARK", Int64(InetDiagAttribute.mark)),
            ("INET_DIAG_ULP_INFO", Int64(InetDiagAttribute.ulpInfo)),
            ("INET_DIAG_CGROUP_ID", Int64(InetDiagAttribute.cgroupID)),
            ("INET_DIAG_SOCKOPT", Int64(InetDiagAttribute.socketOptions)),
            ("INET_ULP_INFO_NAME", Int64(InetULPInfoAttribute.name)),
            ("INET_ULP_INFO_MPTCP", Int64(InetULPInfoAttribute.mptcp)),
            ("MPTCP_SUBFLOW_ATTR_TOKEN_REM", Int64(MPTCPSubflowAttribute.tokenRemote)),
            ("MPTCP_SUBFLOW_ATTR_TOKEN_LOC", Int64(MPTCPSubflowAttribute.tokenLocal)),
            ("MPTCP_SUBFLOW_ATTR_RELWRITE_SEQ", Int64(MPTCPSubflowAttribute.relativeWriteSequence)),
            ("MPTCP_SUBFLOW_ATTR_MAP_SEQ", Int64(MPTCPSubflowAttribute.mapSequence)),
            ("MPTCP_SUBFLOW_ATTR_MAP_SFSEQ", Int64(MPTCPSubflowAttribute.mapSubflowSequence)),
            ("MPTCP_SUBFLOW_ATTR_SSN_OFFSET", Int64(MPTCPSubflowAttribute.ssnOffset)),
            ("MPTCP_SUBFLOW_ATTR_MAP_DATALEN", Int64(MPTCPSubflowAttribute.mapDataLength)),
            ("MPTCP_SUBFLOW_ATTR_FLAGS", Int64(MPTCPSubflowAttribute.flags)),
            ("MPTCP_SUBFLOW_ATTR_ID_REM", Int64(MPTCPSubflowAttribute.remoteID)),
            ("MPTCP_SUBFLOW_ATTR_ID_LOC", Int64(MPTCPSubflowAttribute.localID)),
            ("MPTCP_SUBFLOW_ATTR_PAD", Int64(MPTCPSubflowAttribute.padding)),
            ("MPTCP_SUBFLOW_FLAG_MCAP_REM", Int64(MPTCPSubflowFlagBit.mpCapableRemote)),
            ("MPTCP_SUBFLOW_FLAG_MCAP_LOC", Int64(MPTCPSubflowFlagBit.mpCapableLocal)),
            ("MPTCP_SUBFLOW_FLAG_JOIN_REM", Int64(MPTCPSubflowFlagBit.joinRemote)),
            ("MPTCP_SUBFLOW_FLAG_JOIN_LOC", Int64(MPTCPSubflowFlagBit.joinLocal)),
            ("MPTCP_SUBFLOW_FLAG_BKUP_REM", Int64(MPTCPSubflowFlagBit.backupRemote)),
            ("MPTCP_SUBFLOW_FLAG_BKUP_LOC", Int64(MPTCPSubflowFlagBit.backupLocal)),
            ("MPTCP_SUBFLOW_FLAG_FULLY_ESTABLISHED", Int64(MPTCPSubflowFlagBit.fullyEstablished)),
            ("MPTCP_SUBFLOW_FLAG_CONNECTED", Int64(MPTCPSubflowFlagBit.connected)),
            ("MPTCP_SUBFLOW_FLAG_MAPVALID", Int64(MPTCPSubflowFlagBit.mapValid)),
        ]
        let offsets: [(String, Int)] = [
            ("inet_diag_msg", InetDiagMessageLayout.size), ("inet_diag_req_v2", InetDiagRequestLayout.size),
            ("inet_diag_msg.idiag_family", InetDiagMessageLayout.family),
            ("inet_diag_msg.idiag_state", InetDiagMessageLayout.state),
            ("inet_diag_msg.idiag_timer", InetDiagMessageLayout.timer),
            ("inet_diag_msg.idiag_retrans", InetDiagMessageLayout.retransmits),
            ("inet_diag_msg.idiag_expires", InetDiagMessageLayout.expires),
            ("inet_diag_msg.idiag_rqueue", InetDiagMessageLayout.receiveQueue),
            ("inet_diag_msg.idiag_wqueue", InetDiagMessageLayout.sendQueue),
            ("inet_diag_msg.idiag_uid", InetDiagMessageLayout.uid),
            ("inet_diag_msg.idiag_inode", InetDiagMessageLayout.inode),
            ("inet_diag_msg.id.idiag_sport", InetDiagMessageLayout.sourcePort),
            ("inet_diag_msg.id.idiag_dport", InetDiagMessageLayout.destinationPort),
            ("inet_diag_msg.id.idiag_src", InetDiagMessageLayout.source),
            ("inet_diag_msg.id.idiag_dst", InetDiagMessageLayout.destination),
            ("inet_diag_msg.id.idiag_if", InetDiagMessageLayout.interface),
            ("inet_diag_msg.id.idiag_cookie", InetDiagMessageLayout.cookie),
            ("inet_diag_req_v2.sdiag_family", InetDiagRequestLayout.family),
            ("inet_diag_req_v2.sdiag_protocol", InetDiagRequestLayout.protocolNumber),
            ("inet_diag_req_v2.idiag_ext", InetDiagRequestLayout.extensions),
            ("inet_diag_req_v2.pad", InetDiagRequestLayout.pad),
            ("inet_diag_req_v2.idiag_states", InetDiagRequestLayout.states),
            ("inet_diag_req_v2.id", InetDiagRequestLayout.socketID),
        ]
        return carried.allSatisfy { numbers[$0.0] == $0.1 } && offsets.allSatisfy { layout[$0.0] == $0.1 }
    }
}
