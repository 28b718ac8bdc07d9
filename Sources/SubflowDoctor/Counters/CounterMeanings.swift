/// What a rising `/proc/net/netstat` counter says, for `--watch` and `--probe`.
///
/// Meanings follow the kernel's own descriptions (net/mptcp/mib.h beside mib.c, Linux 6.18).
/// Counters are looked up by name: one this kernel does not have is simply never seen.
/// Counters not listed here rise in healthy operation (MPCapableSYNRX, MPJoinSynAckRx, AddAddr,
/// OFOQueue, …: `CounterMeanings.informational`) or are gauges (MPCurrEstab): they are no
/// finding. MPJoinSynTx is judged against MPJoinSynAckRx (`CounterWatch`), not alone.
public struct CounterMeaning: Sendable, Hashable {
    /// The finding a rise gives; several counters may share one (their evidence is merged).
    public var findingID: String
    public var severity: Finding.Severity
    /// One sentence: what a rise means.
    public var meaning: String
    /// What to do about it.
    public var fix: Fix
    /// The failure mode of mptcp-failure-modes.md it belongs to (nil: one the table lacks).
    public var mode: String?

    public enum Fix: Sendable, Hashable {
        /// A command to run in the namespace (doctor prefixes `ip netns exec NAME`).
        case command(String)
        /// Advice: no single command fixes it.
        case advice(String)
    }
}

public enum CounterMeanings {
    typealias M = CounterMeaning

    private static let syncOption = "remove the firewall rule or middlebox that drops or rewrites TCP option 30"
    private static let mangled =
        "a middlebox rewrites MPTCP options or payload on this path: exempt TCP option 30 from it "
        + "(normalizers, proxies, NAT helpers), or enable net.mptcp.checksum_enabled on both ends to detect it"

    /// Fault-signalling counters, by full name (`MPTcpExtMPJoinRejected`).
    public static let faults: [String: CounterMeaning] = [
        // MP_CAPABLE handshake
        "MPTcpExtMPCapableFallbackSYNACK": M(
            findingID: "mp-capable-fallback-synack", severity: .problem,
            meaning:
                "Active opens fell back to plain TCP during the handshake: the SYN/ACK carried no MP_CAPABLE "
                + "(the peer does not speak MPTCP, or a middlebox stripped the option).",
            fix: .advice("run `subflowctl doctor --probe HOST:PORT` against the peer; " + syncOption), mode: "N1/F2"),
        "MPTcpExtMPCapableFallbackACK": M(
            findingID: "mp-capable-fallback-ack", severity: .warning,
            meaning:
                "Passive opens fell back to plain TCP: the SYN carried MP_CAPABLE but the third ACK did not "
                + "(the option is stripped after the SYN on the way from the client).",
            fix: .advice(syncOption), mode: "F3"),
        "MPTcpExtMPCapableSYNTXDrop": M(
            findingID: "mp-capable-syn-dropped", severity: .problem,
            meaning:
                "MP_CAPABLE SYNs went unanswered and the connections were retried as plain TCP: something on "
                + "the path drops SYNs that carry the MPTCP option.",
            fix: .advice(syncOption + ", then clear the blackhole state (see mptcp-blackhole-active)"), mode: "F1"),
        "MPTcpExtBlackhole": M(
            findingID: "mp-capable-syn-dropped", severity: .problem,
            meaning:
                "The kernel detected an MPTCP blackhole (dropped MP_CAPABLE SYNs) and disabled MPTCP for "
                + "new active opens for net.mptcp.blackhole_timeout seconds.",
            fix: .advice(syncOption + ", then clear the blackhole state (see mptcp-blackhole-active)"), mode: "F1"),
        "MPTcpExtMPCapableSYNTXDisabled": M(
            findingID: "mptcp-blackhole-active", severity: .problem,
            meaning:
                "Active opens were made as plain TCP because an earlier blackhole disabled MPTCP; this lasts "
                + "net.mptcp.blackhole_timeout seconds even after the cause is gone.",
            fix: .command("sh -c 'sysctl -w net.mptcp.blackhole_timeout=$(sysctl -n net.mptcp.blackhole_timeout)'"),
            mode: "F1"),
        "MPTcpExtMPCapableEndpAttempt": M(
            findingID: "mp-capable-to-port-endpoint", severity: .warning,
            meaning:
                "Clients sent MP_CAPABLE to a port that exists only as a signal endpoint with a port, which "
                + "is prohibited: those connections were refused.",
            fix: .advice("clients must connect to the listener's own port; the endpoint port is for joins only"),
            mode: nil),
        "MPTcpExtMPFallbackTokenInit": M(
            findingID: "mptcp-token-fallback", severity: .warning,
            meaning: "The kernel could not allocate a connection token and opened plain TCP instead.",
            fix: .advice("check memory pressure (`free`, `ss -s`): too many connections for the token space"),
            mode: nil),
        "MPTcpExtMD5SigFallback": M(
            findingID: "md5sig-fallback", severity: .warning,
            meaning: "Connections fell back to plain TCP because TCP-MD5 signatures are enabled on them.",
            fix: .advice("TCP-MD5 (e.g. BGP sessions) and MPTCP exclude each other: expected for those sockets"),
            mode: nil),
        "MPTcpExtSimultConnectFallback": M(
            findingID: "simultaneous-connect-fallback", severity: .warning,
            meaning: "A simultaneous connect (both ends sent SYN) fell back to plain TCP.",
            fix: .advice("let one end listen and the other connect"), mode: nil),
        "MPTcpExtMPCapableDataFallback": M(
            findingID: "mp-capable-data-fallback", severity: .problem,
            meaning:
                "Connections fell back to plain TCP after the handshake: the first data packet lacked the "
                + "DSS/MP_CAPABLE option (it is stripped after the SYN).",
            fix: .advice(syncOption), mode: "F3"),
        "MPTcpExtDssFallback": M(
            findingID: "mp-capable-data-fallback", severity: .problem,
            meaning: "Connections fell back to plain TCP because a data packet had a bad or missing DSS option.",
            fix: .advice(mangled), mode: "F3"),
        "MPTcpExtFallbackFailed": M(
            findingID: "fallback-failed", severity: .problem,
            meaning:
                "A connection needed to fall back to TCP but could not (it already used several subflows or "
                + "sent data at the MPTCP level) and was reset.",
            fix: .advice(mangled), mode: "F3"),
        // MP_JOIN
        "MPTcpExtMPJoinNoTokenFound": M(
            findingID: "join-unknown-token", severity: .warning,
            meaning:
                "MP_JOIN SYNs arrived for a connection this host does not know (already closed, or joins "
                + "reach another host behind a load balancer).",
            fix: .advice("make sure every address the peer joins reaches this very host"), mode: nil),
        "MPTcpExtMPJoinSynAckHMacFailure": M(
            findingID: "join-hmac-failure", severity: .problem,
            meaning: "The HMAC of a received SYN/ACK + MP_JOIN was wrong: the join was rejected.",
            fix: .advice(mangled), mode: nil),
        "MPTcpExtMPJoinAckHMacFailure": M(
            findingID: "join-hmac-failure", severity: .problem,
            meaning: "The HMAC of a received ACK + MP_JOIN was wrong: the join was rejected.",
            fix: .advice(mangled), mode: nil),
        "MPTcpExtMPJoinRejected": M(
            findingID: "join-rejected", severity: .problem,
            meaning:
                "The path manager refused MP_JOINs: the subflows limit was reached, or the userspace PM is "
                + "selected and nothing on the host listens to mptcp_pm_events.",
            fix: .advice(
                "in-kernel PM: `ip mptcp limits set subflows 2` (at most 8); userspace PM: start subflowd"),
            mode: "L2/P2"),
        "MPTcpExtMPJoinSynTxCreatSkErr": M(
            findingID: "join-socket-error", severity: .warning,
            meaning: "A join was not sent: the kernel could not create its subflow socket.",
            fix: .advice("check memory and socket limits (`ss -s`, `dmesg`)"), mode: nil),
        "MPTcpExtMPJoinSynTxBindErr": M(
            findingID: "join-bind-error", severity: .problem,
            meaning:
                "A join was not sent: its source address could not be bound (an endpoint or address that no "
                + "longer exists on this host).",
            fix: .advice("delete and re-add the stale endpoint: `ip mptcp endpoint show`, `ip addr`"), mode: "L4"),
        "MPTcpExtMPJoinSynTxConnectErr": M(
            findingID: "join-connect-error", severity: .problem,
            meaning: "A join was not sent: connect() failed for its source address (typically no route from it).",
            fix: .advice("add per-source routing for that address: `ip rule add from ADDR table N`"), mode: "R1/R2"),
        "MPTcpExtMismatchPortSynRx": M(
            findingID: "join-port-mismatch", severity: .warning,
            meaning: "A SYN + MP_JOIN arrived on a port that does not match the announced endpoint's port.",
            fix: .advice("check the port of the signal endpoints (`ip mptcp endpoint show`)"), mode: nil),
        "MPTcpExtMismatchPortAckRx": M(
            findingID: "join-port-mismatch", severity: .warning,
            meaning: "An ACK + MP_JOIN arrived on a port that does not match the announced endpoint's port.",
            fix: .advice("check the port of the signal endpoints (`ip mptcp endpoint show`)"), mode: nil),
        // data transfer
        "MPTcpExtDSSNotMatching": M(
            findingID: "dss-corruption", severity: .problem,
            meaning: "A received DSS mapping did not match the previous one for the same data.",
            fix: .advice(mangled), mode: nil),
        "MPTcpExtDSSNoMatchTCP": M(
            findingID: "dss-corruption", severity: .problem,
            meaning: "A DSS mapping did not match TCP's sequence numbers (a middlebox resegmented or rewrote them).",
            fix: .advice(mangled), mode: nil),
        "MPTcpExtDSSCorruptionFallback": M(
            findingID: "dss-corruption", severity: .problem,
            meaning: "DSS corruption was detected and the connection fell back to plain TCP.",
            fix: .advice(mangled), mode: nil),
        "MPTcpExtDSSCorruptionReset": M(
            findingID: "dss-corruption", severity: .problem,
            meaning: "DSS corruption was detected on a joined subflow and that subflow was reset.",
            fix: .advice(mangled), mode: nil),
        "MPTcpExtDataCsumErr": M(
            findingID: "dss-corruption", severity: .problem,
            meaning: "The DSS data checksum failed: the payload was changed on the path.",
            fix: .advice(mangled), mode: nil),
        "MPTcpExtInfiniteMapTx": M(
            findingID: "infinite-mapping-fallback", severity: .warning,
            meaning: "This host sent an infinite mapping: a connection fell back to plain TCP mid-stream.",
            fix: .advice(mangled), mode: nil),
        "MPTcpExtInfiniteMapRx": M(
            findingID: "infinite-mapping-fallback", severity: .warning,
            meaning: "An infinite mapping was received: the peer made a connection fall back to plain TCP mid-stream.",
            fix: .advice(mangled), mode: nil),
        "MPTcpExtMPFailTx": M(
            findingID: "infinite-mapping-fallback", severity: .warning,
            meaning: "This host sent MP_FAIL: it found corrupt data (checksum) on a subflow.",
            fix: .advice(mangled), mode: nil),
        "MPTcpExtMPFailRx": M(
            findingID: "infinite-mapping-fallback", severity: .warning,
            meaning: "The peer sent MP_FAIL: it found corrupt data (checksum) on a subflow.",
            fix: .advice(mangled), mode: nil),
        "MPTcpExtSubflowStale": M(
            findingID: "subflow-stale", severity: .warning,
            meaning:
                "Subflows stopped making progress and were marked stale (the path loses or blackholes "
                + "packets); MPTCP moved their data to other subflows.",
            fix: .advice("check the path of the stale subflow (`ss -tni`: retransmissions, `ping` from its source)"),
            mode: nil),
        "MPTcpExtMPRstTx": M(
            findingID: "subflow-reset", severity: .warning,
            meaning:
                "This host reset subflows with MP_RST (for example a join answered beyond the peer's limits, "
                + "or a subflow that failed).",
            fix: .advice("see the other findings of this run for the cause; `ip mptcp monitor` shows each reset"),
            mode: "L2"),
        "MPTcpExtMPRstRx": M(
            findingID: "subflow-reset", severity: .warning,
            meaning: "The peer reset subflows with MP_RST.",
            fix: .advice("ask the peer's admin, or watch `ip mptcp monitor` for the reset reason"), mode: "L2"),
        // address announcements
        "MPTcpExtAddAddrDrop": M(
            findingID: "add-addr-dropped", severity: .warning,
            meaning:
                "Received ADD_ADDRs were dropped: the add_addr_accepted limit is reached (0 by default), or the "
                + "userspace PM is selected and nothing listens.",
            fix: .command("ip mptcp limits set subflows 2 add_addr_accepted 2"), mode: "L1/P2"),
        "MPTcpExtRmAddrDrop": M(
            findingID: "rm-addr-dropped", severity: .warning,
            meaning: "Received RM_ADDRs were dropped: subflows to a withdrawn address may linger.",
            fix: .advice("check the path manager's limits and that it runs"), mode: nil),
        "MPTcpExtAddAddrTxDrop": M(
            findingID: "announcement-not-sent", severity: .warning,
            meaning: "ADD_ADDRs were not sent for lack of resources: the peer never learnt those addresses.",
            fix: .advice("check memory pressure (`free`, `dmesg`)"), mode: nil),
        "MPTcpExtEchoAddTxDrop": M(
            findingID: "announcement-not-sent", severity: .warning,
            meaning: "ADD_ADDR echoes were not sent for lack of resources: the peer will retransmit its ADD_ADDR.",
            fix: .advice("check memory pressure (`free`, `dmesg`)"), mode: nil),
        "MPTcpExtRmAddrTxDrop": M(
            findingID: "announcement-not-sent", severity: .warning,
            meaning: "RM_ADDRs were not sent for lack of resources: the peer keeps using a withdrawn address.",
            fix: .advice("check memory pressure (`free`, `dmesg`)"), mode: nil),
        // TCP level, as far as MPTCP cares
        "TcpExtIPReversePathFilter": M(
            findingID: "reverse-path-filter-drops", severity: .warning,
            meaning:
                "The reverse-path filter dropped packets: replies on a second path are lost when its source "
                + "is not routed back through the interface it arrived on.",
            fix: .command("sysctl -w net.ipv4.conf.all.rp_filter=2"), mode: "R3"),
        "TcpExtListenOverflows": M(
            findingID: "listen-queue-overflow", severity: .warning,
            meaning: "A listener's accept queue overflowed: SYNs (MP_CAPABLE and MP_JOIN alike) were dropped.",
            fix: .advice("accept faster or raise the listen backlog and net.core.somaxconn"), mode: nil),
        "TcpExtListenDrops": M(
            findingID: "listen-queue-overflow", severity: .warning,
            meaning: "SYNs to a listener were dropped (queue overflow or no memory).",
            fix: .advice("accept faster or raise the listen backlog and net.core.somaxconn"), mode: nil),
    ]

    /// Counters that rise in healthy operation: shown as moved in `--probe`, never a finding.
    public static let informational: Set<String> = [
        "MPTcpExtMPCapableSYNRX", "MPTcpExtMPCapableSYNTX", "MPTcpExtMPCapableSYNACKRX", "MPTcpExtMPCapableACKRX",
        "MPTcpExtMPTCPRetrans", "MPTcpExtMPJoinSynRx", "MPTcpExtMPJoinSynBackupRx", "MPTcpExtMPJoinSynAckRx",
        "MPTcpExtMPJoinSynAckBackupRx", "MPTcpExtMPJoinAckRx", "MPTcpExtMPJoinSynTx", "MPTcpExtOFOQueueTail",
        "MPTcpExtOFOQueue", "MPTcpExtOFOMerge", "MPTcpExtNoDSSInWindow", "MPTcpExtDuplicateData", "MPTcpExtAddAddr",
        "MPTcpExtAddAddrTx", "MPTcpExtEchoAdd", "MPTcpExtEchoAddTx", "MPTcpExtPortAdd", "MPTcpExtMPJoinPortSynRx",
        "MPTcpExtMPJoinPortSynAckRx", "MPTcpExtMPJoinPortAckRx", "MPTcpExtRmAddr", "MPTcpExtRmAddrTx",
        "MPTcpExtRmSubflow", "MPTcpExtMPPrioTx", "MPTcpExtMPPrioRx", "MPTcpExtMPFastcloseTx", "MPTcpExtMPFastcloseRx",
        "MPTcpExtSubflowRecover", "MPTcpExtSndWndShared", "MPTcpExtRcvWndShared", "MPTcpExtRcvWndConflictUpdate",
        "MPTcpExtRcvWndConflict", "MPTcpExtWinProbe",
    ]

    /// Gauges: their value is a level, not a count of events (never a delta finding).
    public static let gauges: Set<String> = ["MPTcpExtMPCurrEstab"]
}
