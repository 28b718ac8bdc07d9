/// One static check: reads the host through `HostView` and returns what it found. A check
/// changes nothing on the host.
public protocol DoctorCheck: Sendable {
    /// Stable name, as `--json` and the skipped list show it (e.g. `kernel`, `path-manager`).
    var name: String { get }
    func run(on host: HostView) -> CheckOutcome
}

/// What one check produced.
public enum CheckOutcome: Sendable {
    /// The check ran; these are its findings (none: all good).
    case findings([Finding])
    /// The check could not run: why (e.g. "needs root: /proc/PID/fd of other users").
    case skipped(String)

    public static let clean = CheckOutcome.findings([])
}
