import MPTCPWire
import SubflowPolicy
import SubflowSystem

/// `subflowctl doctor --probe HOST:PORT`: "does MPTCP survive the path to HOST?" without
/// tcpdump. It opens an MPTCP connection, then tries a join from every other usable local
/// address, and reports per path: MP_CAPABLE accepted or fallen back, the join established,
/// refused or timed out, the path's RTT, and the counters that moved (a snapshot brackets
/// each step).
///
/// Who opens the joins depends on the namespace's path manager: with the userspace PM the
/// probe asks for each join itself (SUBFLOW_CREATE); the in-kernel PM opens joins only from
/// its `subflow` endpoints and cannot be told to, so the probe reports what the kernel did
/// from each endpoint, and says which addresses it does not try.
public struct PathProbe {
    public static let name = "probe"
    /// How long each step may take: a connect, a join (SYN retransmitted at 1 s and 3 s).
    static let stepTimeout: Duration = .seconds(4)
    static let pollInterval: Duration = .milliseconds(50)
    static let firstJoinID: UInt8 = 200

    let target: SocketEndpoint
    let host: HostView
    var kernel = ProbeKernel()
    var findings: [Finding] = []

    public static func run(_ target: SocketEndpoint, namespace: String?, into report: inout DoctorReport) {
        if !report.checks.contains(name) { report.checks.append(name) }
        var probe = PathProbe(target: target, host: HostView(namespace: namespace))
        if let skipped = probe.run() {
            report.skipped.append(SkippedCheck(check: name, reason: skipped, namespace: namespace))
        }
        report.findings += probe.findings
    }

    /// Runs every step; returns why the probe had to stop early, if it did.
    mutating func run() -> String? {
        let before: CounterSnapshot
        do { before = try CounterSnapshot.read() } catch { return "cannot read \(NetstatCounters.path): \(error)" }
        let started = MonotonicClock.now
        let socket: MPTCPSocket
        do {
            socket = try MPTCPSocket.connect(to: target, timeout: Self.stepTimeout)
        } catch {
            let after = (try? CounterSnapshot.read()) ?? before
            findings.append(
                finding(
                    "probe-connect-failed", .problem,
                    "The MPTCP connection to \(target) could not be opened, so nothing about its paths is known.",
                    evidence: [.init("connect(\(target))", "\(error)")] + moved(after.changes(since: before)),
                    advice: "check that something listens on \(target) and that the path lets TCP through"))
            findings += CounterFindings.findings(
                after.changes(since: before), period: "during the connect to \(target)", host: host)
            return nil
        }
        defer { socket.abort() }
        let connectTime = started.duration(to: MonotonicClock.now)
        let local = try? socket.localAddress()
        // A little data, acknowledged, shows a fallback after the handshake (F3) too.
        _ = try? socket.send(ArraySlice(repeating: 0x70, count: 1024))
        var info = try? socket.mptcpInfo()
        let ackDeadline = MonotonicClock.now.advanced(by: .seconds(1))
        while let current = info, !current.allDataAcknowledged, MonotonicClock.now < ackDeadline {
            MonotonicClock.blockingSleep(for: Self.pollInterval)
            info = try? socket.mptcpInfo()
        }
        let afterConnect = (try? CounterSnapshot.read()) ?? before
        let changes = afterConnect.changes(since: before)
        let path = "\(local.map { "\($0.address)" } ?? "?") → \(target)"
        guard let mptcp = info else {
            fellBack(path: path, changes: changes)
            return nil
        }
        var initialRTT = "connect \(Self.milliseconds(connectTime))"
        if let subflows = try? kernel.subflows(token: ConnectionToken(mptcp.token), family: target.family),
            let first = subflows.first(where: { $0.socket.local == local }),
            let rtt = first.socket.smoothedRTTMicroseconds
        {
            initialRTT = "\(Self.milliseconds(microseconds: rtt)) (tcp_info), connect \(Self.milliseconds(connectTime))"
        }
        findings.append(
            finding(
                "probe-path-mptcp", .info, "Path \(path): MP_CAPABLE accepted, the connection is MPTCP.",
                evidence: [.init("path", path), .init("rtt", initialRTT), .init("mptcp_info.token", "\(mptcp.token)")]
                    + moved(changes)))
        // The in-kernel PM sends its joins as soon as the connection is established, inside
        // the connect step: its joins are judged against the snapshot from before the connect.
        if !userspacePathManager {
            joins(token: ConnectionToken(mptcp.token), initial: local?.address, kernelBefore: before)
            return nil
        }
        findings += CounterFindings.findings(changes, period: "during the connect to \(target)", host: host)
        joins(token: ConnectionToken(mptcp.token), initial: local?.address, kernelBefore: before)
        return nil
    }

    /// MPTCP_INFO says plain TCP: which side of the handshake lost MPTCP decides the finding.
    mutating func fellBack(path: String, changes: [String: CounterChange]) {
        let afterHandshake = ["MPTcpExtMPCapableDataFallback", "MPTcpExtDssFallback", "MPTcpExtInfiniteMapRx"]
        let evidence =
            [Finding.Evidence("path", path), .init("MPTCP_INFO", "EOPNOTSUPP: the connection is plain TCP")]
            + moved(changes)
        if afterHandshake.contains(where: { changes[$0] != nil }) {
            findings.append(
                finding(
                    "mp-capable-stripped", .problem,
                    "Path \(path): the peer answered MP_CAPABLE, then the MPTCP option vanished from later packets "
                        + "and the connection fell back to plain TCP: a middlebox strips it.",
                    evidence: evidence,
                    advice: "remove the rule that resets TCP option 30 (`nft list ruleset`, `iptables-save -t mangle`) "
                        + "on this path"))
        } else if changes["MPTcpExtMPCapableFallbackSYNACK"] != nil {
            findings.append(
                finding(
                    "peer-not-mptcp", .problem,
                    "Path \(path): the SYN/ACK carried no MP_CAPABLE, so the connection is plain TCP: the peer does "
                        + "not speak MPTCP on this port, or a middlebox strips the option from the SYN or SYN/ACK "
                        + "(this end cannot tell which).",
                    evidence: evidence,
                    advice: "enable MPTCP on the peer's listener (IPPROTO_MPTCP, mptcpize); if it has it, remove the "
                        + "rule that resets TCP option 30 on the path"))
        } else if changes["MPTcpExtMPCapableSYNTXDisabled"] == nil {
            // (A rise of MPCapableSYNTXDisabled is said by its own finding, mptcp-blackhole-active.)
            findings.append(
                finding(
                    "mp-capable-not-sent", .problem,
                    "Path \(path): the connection is plain TCP and no MP_CAPABLE handshake counter moved: this "
                        + "host did not send MP_CAPABLE, for a reason this kernel does not count.",
                    evidence: evidence))
        }
        // The fallback is said above; the counter findings add what else moved.
        let said: Set<String> = ["mp-capable-fallback-synack", "mp-capable-data-fallback"]
        findings += CounterFindings.findings(changes, period: "during the connect", host: host)
            .filter { !said.contains($0.id) }
    }

    // MARK: joins

    var userspacePathManager: Bool {
        host.sysctl("net.mptcp.path_manager") == "userspace" || host.sysctl("net.mptcp.pm_type") == "1"
    }

    mutating func joins(token: ConnectionToken, initial: IPAddress?, kernelBefore: CounterSnapshot) {
        let addresses: [IPAddress]
        do { addresses = try kernel.usableAddresses(family: target.family).filter { $0 != initial } } catch {
            findings.append(skippedJoins("cannot list the local addresses: \(error)"))
            return
        }
        guard !addresses.isEmpty else { return }
        let familyID: UInt16
        do { familyID = try kernel.familyID() } catch {
            findings.append(skippedJoins("\(error)"))
            return
        }
        if userspacePathManager {
            for (index, address) in addresses.enumerated() {
                let before = (try? CounterSnapshot.read()) ?? CounterSnapshot(values: [:])
                // A path manager running here (subflowd) may have opened this join already.
                let existing = (try? kernel.subflows(token: token, family: target.family)) ?? []
                if existing.contains(where: { $0.socket.local.address == address }) {
                    judgeJoin(from: address, token: token, before: before)
                    continue
                }
                let local = AddressEntry(address, id: AddressID(Self.firstJoinID &+ UInt8(truncatingIfNeeded: index)))
                let remote = AddressEntry(target.address, port: target.port)
                do { try kernel.createSubflow(token: token, local: local, remote: remote, familyID: familyID) } catch {
                    findings.append(
                        finding(
                            "join-not-sent", .problem,
                            "Path \(address) → \(target): the kernel refused to open the join.",
                            evidence: [.init("path", "\(address) → \(target)"), .init("SUBFLOW_CREATE", "\(error)")],
                            advice:
                                "check the address is configured and routable: `ip addr`, `ip route get \(target.address) from \(address)`"
                        ))
                    continue
                }
                judgeJoin(from: address, token: token, before: before)
            }
            return
        }
        let endpoints = (try? kernel.endpoints(familyID: familyID)) ?? []
        var tried: [IPAddress] = []
        for address in addresses {
            let endpoint = endpoints.first { $0.address == address }
            guard let endpoint, !endpoint.flags.isDisjoint(with: [.subflow, .fullmesh]) else {
                findings.append(
                    finding(
                        "join-not-tried", .info,
                        "Path \(address) → \(target): the in-kernel path manager opens no join from this address "
                            + "(no `subflow` endpoint), and it cannot be asked to.",
                        evidence: [
                            .init("path", "\(address) → \(target)"),
                            .init("endpoint", endpoint.map { "\($0)" } ?? "none"),
                        ],
                        fix: host.inNamespace("ip mptcp endpoint add \(address) subflow")))
                continue
            }
            tried.append(address)
        }
        for address in tried { judgeJoin(from: address, token: token, before: kernelBefore) }
        let changes = ((try? CounterSnapshot.read()) ?? kernelBefore).changes(since: kernelBefore)
        findings += CounterFindings.findings(changes, period: "during the probe of \(target)", host: host)
            .filter { $0.id != "join-syn-unanswered" }  // said per path
    }

    /// Waits for the join from `address` to settle and reports it: established (with its RTT),
    /// still in SYN-SENT at the deadline (timed out), or gone (refused: reset by the peer).
    mutating func judgeJoin(from address: IPAddress, token: ConnectionToken, before: CounterSnapshot) {
        let path = "\(address) → \(target)"
        let deadline = MonotonicClock.now.advanced(by: Self.stepTimeout)
        var seen: MPTCPSubflowSocket?
        var everSeen = false
        while true {
            let subflows = (try? kernel.subflows(token: token, family: target.family)) ?? []
            seen = subflows.first { $0.socket.local.address == address }
            if seen != nil { everSeen = true }
            if seen?.socket.state == .established || MonotonicClock.now >= deadline { break }
            MonotonicClock.blockingSleep(for: Self.pollInterval)
        }
        let after = (try? CounterSnapshot.read()) ?? before
        let changes = after.changes(since: before)
        var evidence = [Finding.Evidence("path", path)]
        if let seen { evidence.append(.init("subflow", "\(seen.socket.state) \(seen.mptcp)")) }
        evidence += moved(changes)
        if let seen, seen.socket.state == .established {
            let rtt = seen.socket.smoothedRTTMicroseconds.map { Self.milliseconds(microseconds: $0) } ?? "unknown"
            findings.append(
                finding(
                    "probe-join-ok", .info, "Path \(path): the MP_JOIN succeeded.",
                    evidence: [evidence[0], .init("rtt", "\(rtt) (tcp_info)")] + evidence.dropFirst()))
        } else if let seen, seen.socket.state == .synSent {
            findings.append(
                finding(
                    "join-timed-out", .problem,
                    "Path \(path): the MP_JOIN SYN got no answer in \(Self.stepTimeout): the path drops MP_JOIN or "
                        + "does not reach the peer from this address.",
                    evidence: evidence,
                    advice: "allow MP_JOIN SYNs (TCP option 30 subtype 1) on the path; check "
                        + "`ip route get \(target.address) from \(address)`"))
        } else if everSeen
            || ["MPTcpExtMPRstRx", "MPTcpExtMPRstTx", "MPTcpExtMPJoinSynAckRx"].contains(where: {
                changes[$0] != nil
            })
        {
            findings.append(
                finding(
                    "join-refused", .problem,
                    "Path \(path): the peer refused the MP_JOIN (reset): its subflow limit is reached or its path "
                        + "manager does not accept joins.",
                    evidence: evidence,
                    advice: "on the peer: `ip mptcp limits set subflows 2` (in-kernel PM) or run its path manager"))
        } else {
            findings.append(
                finding(
                    "join-not-seen", .warning,
                    "Path \(path): no subflow from this address appeared in \(Self.stepTimeout) (the kernel did not "
                        + "send the join: limits, or an error counter below).",
                    evidence: evidence, fix: host.inNamespace("ip mptcp limits set subflows 2 add_addr_accepted 2")))
        }
        if userspacePathManager {
            findings += CounterFindings.findings(changes, period: "during the join from \(address)", host: host)
                .filter { $0.id != "join-syn-unanswered" }  // said per path above
        }
    }

    // MARK: helpers

    /// A finding of this probe. `fix` is a command alone; `advice`, when no single command
    /// fixes it, ends the sentence.
    func finding(
        _ id: String, _ severity: Finding.Severity, _ summary: String, evidence: [Finding.Evidence],
        fix: String? = nil, advice: String? = nil
    ) -> Finding {
        host.finding(id, severity, advice.map { "\(summary) To fix: \($0)." } ?? summary, evidence: evidence, fix: fix)
    }

    func skippedJoins(_ reason: String) -> Finding {
        finding(
            "probe-joins-skipped", .info, "The joins were not probed: \(reason).",
            evidence: [.init("probe", reason)])
    }

    /// Every counter that moved, for the evidence (informational ones included).
    func moved(_ changes: [String: CounterChange]) -> [Finding.Evidence] {
        let names = changes.keys.sorted().filter { $0.hasPrefix("MPTcpExt") || CounterMeanings.faults[$0] != nil }
        guard !names.isEmpty else { return [.init("counters moved", "none")] }
        return [
            .init(
                "counters moved",
                names.compactMap { changes[$0].map { "\($0.name) +\($0.delta)" } }.joined(separator: ", "))
        ]
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micro = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        return milliseconds(microseconds: UInt32(clamping: micro))
    }

    static func milliseconds(microseconds: UInt32) -> String {
        "\(microseconds / 1000).\(String(microseconds % 1000 / 10).leftPadded(to: 2)) ms"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
