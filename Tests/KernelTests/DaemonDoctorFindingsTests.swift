import Foundation
import Testing

@testable import SubflowTestSupport

/// subflowd runs the doctor's static checks itself (issue 10): a finding that appears while it
/// runs is logged once as a warning (`doctor: ID: SUMMARY (fix: …)`), listed by `subflowctl
/// status` (JSON and text) and counted by the metrics; once fixed, it is logged once at notice
/// level and leaves the status.
///
/// The state provoked is `mptcp-disabled` (the kernel check): subflowd refuses to START in a
/// namespace with net.mptcp.enabled = 0 (KernelModeCheck), but an admin (or a sysctl.d file
/// applied late) can write it while subflowd runs; subflowd runs on and the kernel check then
/// reports it. Writing a sysctl sends no event, so the test adds an address afterwards: the
/// network change the daemon's doctor follows (the periodic run, every 60 s, would catch it
/// too, only later). Other checks may add findings of their own in this namespace, so the test
/// looks only at `mptcp-disabled`.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(5)))
struct DaemonDoctorFindingsTests {
    static let warningPrefix = "warning: doctor: mptcp-disabled: MPTCP is disabled in this network namespace"

    @Test func aFindingThatAppearsWhileSubflowdRunsIsLoggedListedAndClearedOnce() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let host = try bed.addNamespace("host", sysctls: ["net.mptcp.path_manager": "userspace"])
        let peer = try bed.addNamespace("peer")
        try bed.addVethPair(host, "h0", peer, "p0")
        let socket = ControlClientTool.socketPath(bed)
        let daemon = try bed.startDaemon(in: host, ["--control-socket", socket])

        func status() throws -> [String: Any] { try ControlClientTool.json(["status", "--socket", socket, "--json"]) }
        func findings() throws -> [[String: Any]] {
            let answer = try status()
            guard let list = answer["findings"] as? [[String: Any]] else {
                throw MissingFindings(status: "\(answer)")
            }
            return list
        }
        func disabled() throws -> [[String: Any]] { try findings().filter { $0["id"] as? String == "mptcp-disabled" } }
        func metric() throws -> String {
            try ControlClientTool.run(["metrics", "--socket", socket]).stdout
        }

        // At start: the array is there (whatever other checks report), without mptcp-disabled.
        try waitUntil(
            "the first doctor run", timeout: .seconds(10), observe: { daemon.stderr },
            until: { $0.contains("debug: doctor: ") })
        #expect(try disabled().isEmpty)
        #expect(try metric().contains("subflowd_doctor_findings{severity=\"problem\"}"))

        try bed.sysctl(host, "net.mptcp.enabled", "0")
        try bed.addAddress(host, "198.18.40.1/24", device: "h0")
        let found = try waitUntil(
            "subflowd lists mptcp-disabled", timeout: .seconds(10), observe: { try disabled() },
            until: { $0.count == 1 })[0]
        #expect(found["severity"] as? String == "problem")
        #expect(found["namespace"] is NSNull, "subflowd's own namespace: \(found)")
        let fix = try #require(found["fix"] as? String, "\(found)")
        #expect(fix == "sysctl -w net.mptcp.enabled=1", "subflowd's own namespace: no ip netns exec")
        let evidence = try #require(found["evidence"] as? [[String: String]], "\(found)")
        #expect(evidence.contains { $0["what"] == "net.mptcp.enabled" && $0["value"] == "0" }, "\(evidence)")
        let warnings = daemon.stderr.components(separatedBy: "\n").filter { $0.contains(Self.warningPrefix) }
        #expect(warnings.count == 1 && warnings[0].hasSuffix("(fix: \(fix))"), "\(warnings)")
        let text = try ControlClientTool.run(["status", "--socket", socket])
        #expect(text.status == 0 && text.stdout.contains("  PROBLEM mptcp-disabled: MPTCP is disabled"), "\(text)")
        #expect(try metric().contains("subflowd_doctor_findings{severity=\"problem\"} "))
        #expect(try !metric().contains("subflowd_doctor_findings{severity=\"problem\"} 0"))

        // More changes while it lasts: still logged once. A run is due 1 s after the last
        // change; wait for that run (the debug line counts runs) instead of sleeping.
        let runsBefore = daemon.stderr.components(separatedBy: "debug: doctor: ").count
        try bed.addAddress(host, "198.18.41.1/24", device: "h0")
        try waitUntil(
            "another doctor run", timeout: .seconds(10),
            observe: { daemon.stderr.components(separatedBy: "debug: doctor: ").count },
            until: { $0 > runsBefore })
        #expect(daemon.stderr.components(separatedBy: Self.warningPrefix).count - 1 == 1)

        // The fix as the finding gives it, then a change: the finding goes, said once at notice level.
        try bed.check(host, ["sh", "-c", fix])
        try bed.addAddress(host, "198.18.42.1/24", device: "h0")
        try waitUntil(
            "subflowd no longer lists mptcp-disabled", timeout: .seconds(10), observe: { try disabled() },
            until: { $0.isEmpty })
        let cleared = daemon.stderr.components(separatedBy: "\n").filter {
            $0.contains("notice: doctor: mptcp-disabled: no longer found")
        }
        #expect(cleared.count == 1, "\(daemon.stderr)")
        #expect(daemon.isRunning)
        daemon.stop()
        #expect(
            daemon.exitStatus == 0, "SIGTERM still stops it cleanly with the checks' task threads: \(daemon.stderr)")
    }

    struct MissingFindings: Error { var status: String }
}
