/// Turns counter changes into findings: each fault-signalling counter that rose
/// (`CounterMeanings.faults`) gives its finding, counters sharing a finding id merge into one
/// finding with one evidence line each; MP_JOIN SYNs sent without as many SYN/ACKs back give
/// `join-syn-unanswered` (F4).
public enum CounterFindings {
    static let joinSynTx = "MPTcpExtMPJoinSynTx"
    static let joinSynAckRx = "MPTcpExtMPJoinSynAckRx"

    /// `period` says over what the changes were seen, for the evidence (`in 5 s`, `during the
    /// probe of path B`).
    public static func findings(
        _ changes: [String: CounterChange], period: String, host: HostView
    ) -> [Finding] {
        var byID: [String: Finding] = [:]
        var order: [String] = []
        for name in changes.keys.sorted() {
            guard let change = changes[name], let meaning = CounterMeanings.faults[name] else { continue }
            let evidence = Finding.Evidence(name, "+\(change.delta) (\(change.before) → \(change.after)) \(period)")
            if var existing = byID[meaning.findingID] {
                existing.evidence.append(evidence)
                existing.summary += " " + meaning.meaning
                if meaning.severity > existing.severity { existing.severity = meaning.severity }
                byID[meaning.findingID] = existing
                continue
            }
            order.append(meaning.findingID)
            byID[meaning.findingID] = finding(meaning, evidence: evidence, host: host)
        }
        var found = order.compactMap { byID[$0] }
        if let unanswered = unansweredJoins(changes, period: period, host: host) { found.append(unanswered) }
        return found
    }

    /// F4: joins sent, fewer SYN/ACK + MP_JOIN back. The SYN/ACKs that did come back are the
    /// evidence that the peer takes joins at all (a refusal comes back as a reset: MPRstRx).
    static func unansweredJoins(_ changes: [String: CounterChange], period: String, host: HostView) -> Finding? {
        guard let sent = changes[joinSynTx] else { return nil }
        let answered = changes[joinSynAckRx]?.delta ?? 0
        guard sent.delta > answered else { return nil }
        var evidence = [Finding.Evidence(joinSynTx, "+\(sent.delta) (\(sent.before) → \(sent.after)) \(period)")]
        evidence.append(
            Finding.Evidence(
                joinSynAckRx,
                changes[joinSynAckRx].map { "+\($0.delta) (\($0.before) → \($0.after)) \(period)" }
                    ?? "+0 \(period)"))
        return host.finding(
            "join-syn-unanswered", answered == 0 ? .problem : .warning,
            "\(sent.delta - answered) of \(sent.delta) MP_JOIN SYNs got no SYN/ACK + MP_JOIN: the path drops MP_JOIN "
                + "(a firewall rule on the MPTCP option subtype, a stateful firewall dropping SYNs to a new "
                + "4-tuple) or the second path does not reach the peer. To fix: allow TCP SYNs carrying MP_JOIN "
                + "(option 30 subtype 1) on the path; check the route from each source address "
                + "(`ip route get PEER from ADDR`).",
            evidence: evidence)
    }

    /// The fix is a command alone (run in the namespace); advice, when no single command fixes
    /// it, ends the sentence instead.
    static func finding(_ meaning: CounterMeaning, evidence: Finding.Evidence, host: HostView) -> Finding {
        switch meaning.fix {
        case .command(let command):
            host.finding(
                meaning.findingID, meaning.severity, meaning.meaning, evidence: [evidence],
                fix: host.inNamespace(command))
        case .advice(let advice):
            host.finding(
                meaning.findingID, meaning.severity, "\(meaning.meaning) To fix: \(advice).", evidence: [evidence])
        }
    }
}
