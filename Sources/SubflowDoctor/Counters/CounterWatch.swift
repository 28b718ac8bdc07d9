import SubflowSystem

/// `subflowctl doctor --watch SECONDS`: two counter snapshots SECONDS apart, in the namespace
/// the calling thread is in, while whatever traffic runs there runs; every fault-signalling
/// counter that rose becomes a finding (`CounterFindings`).
public enum CounterWatch {
    public static let name = "watch"
    public static let allowedSeconds = 1...3600

    /// Blocks the calling thread for `seconds`. `sleep` is replaceable for tests.
    public static func run(
        seconds: Int, namespace: String?, into report: inout DoctorReport,
        sleep: (Duration) -> Void = MonotonicClock.blockingSleep(for:)
    ) {
        if !report.checks.contains(name) { report.checks.append(name) }
        let host = HostView(namespace: namespace)
        let before: CounterSnapshot
        let after: CounterSnapshot
        do throws(SystemError) {
            before = try CounterSnapshot.read()
            sleep(.seconds(seconds))
            after = try CounterSnapshot.read()
        } catch {
            report.skipped.append(
                SkippedCheck(check: name, reason: "cannot read \(NetstatCounters.path): \(error)", namespace: namespace)
            )
            return
        }
        guard before.values.keys.contains(where: { $0.hasPrefix("MPTcpExt") }) else {
            report.skipped.append(
                SkippedCheck(
                    check: name, reason: "\(NetstatCounters.path) has no MPTcpExt counters (no upstream MPTCP)",
                    namespace: namespace))
            return
        }
        report.findings += CounterFindings.findings(after.changes(since: before), period: "in \(seconds) s", host: host)
    }
}
