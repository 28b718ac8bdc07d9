import Foundation
import Testing

@testable import SubflowTestSupport

/// One `subflowctl doctor --netns NAME --json` run, decoded.
struct DoctorRun: CustomStringConvertible {
    typealias Found = DoctorJSONReport.Finding

    var result: CommandResult
    var report: DoctorJSONReport
    var findings: [Found] { report.findings }
    var skipped: [(check: String, reason: String)] { report.skipped }

    /// Runs the built subflowctl in `namespace` and decodes its JSON (exit 0, 1 or 2 are all answers).
    init(_ namespace: String) throws {
        try self.init(result: try BuiltProducts.subflowctl(["doctor", "--netns", namespace, "--json"]))
    }

    /// Decodes the JSON of a finished `subflowctl doctor --json` (DoctorJSONReport: the one
    /// reader of doctor's JSON in these tests).
    init(result: CommandResult) throws {
        self.result = result
        guard [0, 1, 2].contains(result.status) else { throw CommandFailed(result: result) }
        report = try DoctorJSONReport(result.stdout)
    }

    func finding(_ id: String) -> Found? { findings.first { $0.id == id } }

    /// Findings of the checks this suite is about (other checks have their own suites).
    var staticCheckFindings: [Found] { findings.filter { DoctorRun.staticCheckIDs.contains($0.id) } }

    static let staticCheckIDs: Set<String> = [
        "stale-out-of-tree-sysctl", "in-kernel-path-manager", "no-userspace-daemon", "two-path-managers",
        "endpoints-ignored-by-userspace-pm", "add-addr-accepted-zero", "no-usable-endpoint", "stale-endpoint",
        "mptcp-blackhole-detected",
    ]

    var description: String { "\(result)" }

    /// Runs a finding's fix as a person would paste it (a shell, doctor's own namespace).
    static func runFix(_ found: Found?) throws {
        let fix = try #require(found?.fix, "the finding has no fix")
        try Command.check(["/bin/sh", "-c", fix])
    }
}
