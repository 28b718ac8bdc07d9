import Foundation
import Testing

/// The `subflowctl doctor --json` object as the real-kernel tests read it.
struct DoctorJSONReport: CustomStringConvertible {
    struct Finding {
        var id: String
        var severity: String
        /// (what, value) in order.
        var evidence: [(what: String, value: String)]
        /// The command that fixes it, when there is one.
        var fix: String?
        var summary: String
        /// The namespace it was found in (nil: doctor's own).
        var namespace: String?
        var evidenceNames: [String] { evidence.map(\.what) }
        func value(_ what: String) -> String? { evidence.first { $0.what == what }?.value }
    }

    var checks: [String]
    var findings: [Finding]
    var skipped: [(check: String, reason: String)]
    /// The namespaces visited, by label ("" for doctor's own).
    var namespaces: [String]
    var exitStatus: Int?
    var text: String

    init(_ text: String) throws {
        self.text = text
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
        checks = object["checks"] as? [String] ?? []
        namespaces = object["namespaces"] as? [String] ?? []
        exitStatus = object["exit_status"] as? Int
        skipped = (object["skipped"] as? [[String: Any]] ?? []).map {
            (check: $0["check"] as? String ?? "", reason: $0["reason"] as? String ?? "")
        }
        let findingObjects = try #require(object["findings"] as? [[String: Any]], "no findings array: \(text)")
        _ = try #require(object["skipped"] as? [[String: Any]], "no skipped array: \(text)")
        findings = findingObjects.map { finding in
            let evidence = (finding["evidence"] as? [[String: Any]] ?? []).map {
                (what: $0["what"] as? String ?? "", value: $0["value"] as? String ?? "")
            }
            return Finding(
                id: finding["id"] as? String ?? "", severity: finding["severity"] as? String ?? "", evidence: evidence,
                fix: finding["fix"] as? String, summary: finding["summary"] as? String ?? "",
                namespace: finding["namespace"] as? String)
        }
    }

    /// Findings made from counters (their evidence names a counter).
    var counterFindings: [Finding] {
        findings.filter { $0.evidenceNames.contains { $0.hasPrefix("MPTcpExt") || $0.hasPrefix("TcpExt") } }
    }

    /// The findings with this id.
    func with(_ id: String) -> [Finding] { findings.filter { $0.id == id } }

    var description: String { text }
}
