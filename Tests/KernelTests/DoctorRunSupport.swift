import Foundation
import Testing

@testable import SubflowTestSupport

/// One `subflowctl doctor --netns NAME --json` run, decoded.
struct DoctorRun: CustomStringConvertible {
    struct Found {
        var id: String
        var severity: String
        var fix: String?
        var evidence: [(what: String, value: String)]
        var summary: String
    }

    var result: CommandResult
    var findings: [Found]
    var skipped: [(check: String, reason: String)]

    /// Runs the built subflowctl in `namespace` and decodes its JSON (exit 0, 1 or 2 are all answers).
    init(_ namespace: String) throws {
        try self.init(result: try BuiltProducts.subflowctl(["doctor", "--netns", namespace, "--json"]))
    }

    /// Decodes the JSON of a finished `subflowctl doctor --json`.
    init(result: CommandResult) throws {
        self.result = result
        guard [0, 1, 2].contains(result.status),
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let findings = object["findings"] as? [[String: Any]], let skipped = object["skipped"] as? [[String: Any]]
        else { throw CommandFailed(result: result) }
        self.findings = findings.map { finding in
            Found(
                id: finding["id"] as? String ?? "", severity: finding["severity"] as? String ?? "",
                fix: finding["fix"] as? String,
                evidence: (finding["evidence"] as? [[String: String]] ?? []).map {
                    ($0["what"] ?? "", $0["value"] ?? "")
                },
                summary: finding["summary"] as? String ?? "")
        }
        self.skipped = skipped.map { ($0["check"] as? String ?? "", $0["reason"] as? String ?? "") }
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
