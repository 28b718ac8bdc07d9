import SubflowDoctor
import SubflowFormats
import Testing

/// The report's exit status and its documented JSON shape (docs/troubleshooting.md).
@Suite struct DoctorReportTests {
    static func finding(_ id: String, _ severity: Finding.Severity) -> Finding {
        Finding(
            id: id, severity: severity, summary: "s", evidence: [.init("x", "1")],
            fix: severity == .info ? nil : "fix it",
            namespace: "ns1")
    }

    @Test func exitStatusIsZeroOneOrTwoByTheWorstFinding() {
        var report = DoctorReport()
        #expect(report.exitStatus == 0)
        report.findings = [Self.finding("a", .info)]
        #expect(report.exitStatus == 0)
        report.findings.append(Self.finding("b", .warning))
        #expect(report.exitStatus == 1)
        report.findings.append(Self.finding("c", .problem))
        #expect(report.exitStatus == 2)
    }

    @Test func jsonHasTheDocumentedShape() throws {
        var report = DoctorReport()
        report.findings = [Self.finding("mptcp-disabled", .problem), Self.finding("note", .info)]
        report.skipped = [SkippedCheck(check: "firewall", reason: "nft is not installed", namespace: "ns1")]
        report.checks = ["kernel", "firewall"]
        report.namespaces = ["ns1"]
        let parsed = try JSONParser.parse(report.json.text)
        #expect(parsed["version"]?.intValue == 1)
        #expect(parsed["status"]?.stringValue == "problem")
        #expect(parsed["exit_status"]?.intValue == 2)
        #expect(parsed["counts"]?["problem"]?.intValue == 1 && parsed["counts"]?["info"]?.intValue == 1)
        let finding = try #require(parsed["findings"]?.arrayValue?.first)
        #expect(finding.objectValue?.keys == ["id", "severity", "summary", "evidence", "fix", "namespace"])
        #expect(finding["evidence"]?.arrayValue?.first?["what"]?.stringValue == "x")
        #expect(parsed["findings"]?.arrayValue?.last?["fix"]?.isNull == true)
        #expect(parsed["skipped"]?.arrayValue?.first?["reason"]?.stringValue == "nft is not installed")
    }

    @Test func textPutsProblemsFirstWithEvidenceAndFix() {
        var report = DoctorReport()
        report.findings = [Self.finding("note", .info), Self.finding("broken", .problem)]
        report.checks = ["kernel"]
        let lines = report.lines
        #expect(lines.first == "PROBLEM broken [netns ns1]: s")
        #expect(lines.contains("    fix: fix it"))
        #expect(lines.last?.hasSuffix("1 problem(s), 0 warning(s), 0 skipped") == true)
    }
}
