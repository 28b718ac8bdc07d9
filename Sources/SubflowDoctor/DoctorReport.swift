import SubflowFormats

/// Everything one doctor run found, in every namespace it visited.
public struct DoctorReport: Sendable {
    public var findings: [Finding] = []
    public var skipped: [SkippedCheck] = []
    /// The checks that ran, by name, in order.
    public var checks: [String] = []
    /// The namespaces visited ("" for doctor's own).
    public var namespaces: [String] = []

    public init() {}

    /// The worst severity found, nil when there is nothing.
    public var worst: Finding.Severity? { findings.map(\.severity).max() }

    /// 0 clean (information only), 1 warnings, 2 problems (subflowctl(8)).
    public var exitStatus: Int32 {
        switch worst {
        case .problem: 2
        case .warning: 1
        case .info, nil: 0
        }
    }

    /// The documented `--json` object (docs/troubleshooting.md, "JSON output").
    public var json: JSONValue {
        let counts = Dictionary(grouping: findings, by: \.severity).mapValues(\.count)
        return [
            "version": 1,
            "status": .string(worst.map { $0 == .info ? "clean" : $0.rawValue } ?? "clean"),
            "exit_status": .number(exitStatus),
            "counts": [
                "problem": .number(counts[.problem] ?? 0), "warning": .number(counts[.warning] ?? 0),
                "info": .number(counts[.info] ?? 0),
            ],
            "namespaces": .array(namespaces.map { .string($0) }),
            "checks": .array(checks.map { .string($0) }),
            "findings": .array(findings.map(\.json)),
            "skipped": .array(skipped.map(\.json)),
        ]
    }

    /// Text for people: problems first, each with its evidence and fix.
    public var lines: [String] {
        var out: [String] = []
        for finding in findings.sorted(by: { $0.severity > $1.severity }) {
            let place = finding.namespace.map { " [netns \($0)]" } ?? ""
            out.append("\(finding.severity.rawValue.uppercased()) \(finding.id)\(place): \(finding.summary)")
            for item in finding.evidence { out.append("    \(item.what) = \(InputExcerpt.of(item.value, limit: 200))") }
            if let fix = finding.fix { out.append("    fix: \(fix)") }
        }
        for skip in skipped {
            let place = skip.namespace.map { " [netns \($0)]" } ?? ""
            out.append("SKIPPED \(skip.check)\(place): \(skip.reason)")
        }
        let problems = findings.filter { $0.severity == .problem }.count
        let warnings = findings.filter { $0.severity == .warning }.count
        out.append(
            "\(checks.count) checks in \(max(namespaces.count, 1)) namespace(s): \(problems) problem(s), "
                + "\(warnings) warning(s), \(skipped.count) skipped")
        return out
    }
}
