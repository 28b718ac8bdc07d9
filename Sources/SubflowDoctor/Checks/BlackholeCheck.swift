/// MPTCP's firewall-blackhole detection (failure-mode table F1, fact 2): once a SYN with
/// MP_CAPABLE is dropped, the kernel makes every active open of the namespace plain TCP for
/// `net.mptcp.blackhole_timeout` seconds (doubling with each new detection, at most 2^6
/// times), even after the firewall rule is gone; writing the sysctl clears the state.
///
/// The state itself is not visible; the counters only rise. So the finding says what the
/// counters prove (the detection fired, opens went plain TCP), never that the state is in
/// force now.
struct BlackholeCheck: DoctorCheck {
    let name = "blackhole"
    /// The kernel caps the period's doubling at 2^6 (`mptcp_active_should_disable`).
    static let maximumDoublings = 6

    func run(on host: HostView) -> CheckOutcome {
        let counters: [String: UInt64]
        do { counters = try host.counters() } catch { return .skipped("cannot read the MPTCP counters: \(error)") }
        // Kernels before 6.12 have no detection (and no such counter): nothing can be disabled.
        guard let detections = counters["MPTcpExtBlackhole"], detections > 0 else { return .clean }
        guard let timeout = host.sysctl("net.mptcp.blackhole_timeout") else {
            return .skipped("MPTcpExtBlackhole = \(detections) but net.mptcp.blackhole_timeout cannot be read")
        }
        // 0 turns the detection off: nothing is disabled now, whatever happened before.
        guard let seconds = UInt64(timeout), seconds > 0 else { return .clean }
        let longest = seconds << UInt64(min(detections - 1, UInt64(Self.maximumDoublings)))
        let disabled = counters["MPTcpExtMPCapableSYNTXDisabled"]
        var evidence: [Finding.Evidence] = [
            .init("MPTcpExtBlackhole", String(detections)), .init("net.mptcp.blackhole_timeout", timeout),
        ]
        for name in ["MPTcpExtMPCapableSYNTXDrop", "MPTcpExtMPCapableSYNTXDisabled"] {
            if let value = counters[name] { evidence.append(.init(name, String(value))) }
        }
        return .findings([
            host.finding(
                "mptcp-blackhole-detected", .warning,
                """
                MPTCP's blackhole detection fired \(detections) time(s) in this network namespace (a SYN with MP_CAPABLE \
                was dropped on the way): after the last time, active opens fall back to plain TCP for up to \
                \(longest) s even once the path is fixed\(disabled.map { "; \($0) open(s) went plain TCP so far" } ?? ""). \
                The counters cannot show whether that state has since expired or been cleared: fix the firewall, then \
                clear it.
                """,
                evidence: evidence, fix: host.inNamespace("sysctl -w net.mptcp.blackhole_timeout=\(timeout)"))
        ])
    }
}
