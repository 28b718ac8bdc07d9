import Foundation
import Testing

@testable import SubflowDoctor
@testable import SubflowTestSupport

/// K2 against files in a temporary directory: found with file:line, fixed by its own sed
/// command, unreadable files reported as skipped.
@Suite struct StaleSysctlFileCheckTests {
    final class Scratch {
        let root: URL
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sfd-sysctl-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("sysctl.d"), withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: root) }
        func path(_ name: String) -> String { root.appendingPathComponent(name).path }
        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        }
        var check: StaleSysctlFileCheck {
            StaleSysctlFileCheck(
                sources: .init(files: [path("sysctl.conf")], directories: [path("sysctl.d"), path("absent.d")]))
        }
    }

    static func findings(_ outcome: CheckOutcome) -> [Finding]? {
        if case .findings(let found) = outcome { return found }
        return nil
    }

    @Test func outOfTreeLinesAreFoundAndTheFixReplacesThem() throws {
        let scratch = try Scratch()
        try scratch.write("sysctl.conf", "# defaults\nnet.ipv4.ip_forward = 1\n")
        try scratch.write(
            "sysctl.d/90-mptcp.conf",
            "# from an old HOWTO\nnet.mptcp.mptcp_enabled = 1\nnet.mptcp.enabled = 1\n  net.mptcp.mptcp_debug=1\nnet.mptcp.mptcp_path_manager = fullmesh\n"
        )
        try scratch.write("sysctl.d/90-mptcp.conf.disabled", "net.mptcp.mptcp_enabled = 1\n")
        // The usual link /etc/sysctl.d/99-sysctl.conf → ../sysctl.conf: read once.
        try FileManager.default.createSymbolicLink(
            atPath: scratch.path("sysctl.d/99-sysctl.conf"), withDestinationPath: "../sysctl.conf")

        let found = try #require(Self.findings(scratch.check.run(on: HostView(namespace: nil))))
        try #require(found.count == 1)
        let finding = found[0]
        #expect(finding.id == "stale-out-of-tree-sysctl" && finding.severity == .warning)
        let file = scratch.path("sysctl.d/90-mptcp.conf")
        #expect(finding.evidence.map(\.what) == ["\(file):2", "\(file):4", "\(file):5"])
        #expect(finding.evidence[1].value == "  net.mptcp.mptcp_debug=1")

        let fix = try #require(finding.fix)
        try Command.check(["/bin/sh", "-c", fix])
        let fixed = try String(contentsOfFile: file, encoding: .utf8)
        #expect(
            fixed
                == "# from an old HOWTO\nnet.mptcp.enabled = 1\nnet.mptcp.enabled = 1\nnet.mptcp.path_manager = kernel\n"
        )
        #expect(Self.findings(scratch.check.run(on: HostView(namespace: nil))) == [])
    }

    @Test func aFileThatCannotBeReadIsSkippedNotGuessed() throws {
        let scratch = try Scratch()
        try scratch.write("sysctl.d/10-ok.conf", "net.mptcp.enabled = 1\n")
        try scratch.write("sysctl.d/20-huge.conf", String(repeating: "#\n", count: StaleSysctlFileCheck.fileLimit))
        #expect(mkfifo(scratch.path("sysctl.d/30-fifo.conf"), 0o644) == 0)
        guard case .skipped(let reason) = scratch.check.run(on: HostView(namespace: nil)) else {
            Issue.record("expected the check to be skipped")
            return
        }
        #expect(reason.contains("20-huge.conf") && reason.contains("30-fifo.conf"))
        #expect(!reason.contains("10-ok.conf"))
    }

    @Test func findingsAlsoNameTheFilesThatWereNotRead() throws {
        let scratch = try Scratch()
        try scratch.write("sysctl.conf", "net.mptcp.mptcp_checksum = 1\n")
        #expect(mkfifo(scratch.path("sysctl.d/30-fifo.conf"), 0o644) == 0)
        let found = try #require(Self.findings(scratch.check.run(on: HostView(namespace: "ns1"))))
        #expect(found.count == 1)
        #expect(found.first?.evidence.last?.what == "not read")
        // The files are the host's: the fix is not run inside the namespace.
        #expect(found.first?.fix?.hasPrefix("sed -i -e '1c net.mptcp.checksum_enabled = 1' ") == true)
    }
}
