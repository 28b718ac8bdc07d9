/// Runs the static checks in one namespace (the caller has entered it) and collects the report.
public enum Doctor {
    /// Every static check, in the order their findings read best (kernel first: when MPTCP is
    /// missing the rest says little).
    public static var staticChecks: [any DoctorCheck] { DoctorChecks.all }

    public static func run(
        _ checks: [any DoctorCheck] = staticChecks, namespace: String?, fixPrefix: String? = nil,
        into report: inout DoctorReport
    ) {
        let host = HostView(namespace: namespace, fixPrefix: fixPrefix)
        report.namespaces.append(namespace ?? "")
        for check in checks {
            if !report.checks.contains(check.name) { report.checks.append(check.name) }
            switch check.run(on: host) {
            case .findings(let found): report.findings += found
            case .skipped(let reason):
                report.skipped.append(SkippedCheck(check: check.name, reason: reason, namespace: namespace))
            }
        }
    }
}
