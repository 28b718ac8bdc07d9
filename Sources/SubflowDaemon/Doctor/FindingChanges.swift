import SubflowDoctor

/// What the daemon's doctor knows now, and what changed with the latest run: each finding is
/// logged when it appears and when it goes, never again while it stays (pure).
///
/// A finding is the same finding while its id and namespace are the same: evidence that
/// changes (a counter, a second stale line) updates what `subflowctl status` shows without
/// logging again.
struct FindingChanges {
    /// The findings of the latest run, in its order.
    private(set) var current: [Finding] = []
    /// The checks the latest run skipped.
    private(set) var skipped: [SkippedCheck] = []

    struct Update {
        var appeared: [Finding] = []
        var gone: [Finding] = []
        var newlySkipped: [SkippedCheck] = []
    }

    /// Takes the report of a run and says what appeared and what went since the previous one.
    mutating func apply(_ report: DoctorReport) -> Update {
        var update = Update()
        let before = Set(current.map(Self.key))
        let after = Set(report.findings.map(Self.key))
        update.appeared = report.findings.filter { !before.contains(Self.key($0)) }
        update.gone = current.filter { !after.contains(Self.key($0)) }
        let skippedBefore = Set(skipped.map(Self.key))
        update.newlySkipped = report.skipped.filter { !skippedBefore.contains(Self.key($0)) }
        // A finding reported twice by one run (two checks agreeing) is logged once.
        var seen = Set<String>()
        update.appeared = update.appeared.filter { seen.insert(Self.key($0)).inserted }
        current = report.findings
        skipped = report.skipped
        return update
    }

    private static func key(_ finding: Finding) -> String { "\(finding.id) \(finding.namespace ?? "")" }
    private static func key(_ skip: SkippedCheck) -> String { "\(skip.check) \(skip.namespace ?? "")" }
}
