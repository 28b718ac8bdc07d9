import Foundation
import Testing

@testable import SubflowTestSupport

/// `subflowctl doctor --watch`: a counter that signals a fault, provoked in namespaces while
/// the watch runs, turns into its finding; a quiet watch gives no counter finding.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(5)))
struct DoctorWatchTests {
    /// In-kernel PM with a `subflow` endpoint on path B; the server drops every packet that
    /// carries MP_JOIN (F4). While `--watch 4` runs in the client namespace, a transfer opens
    /// the connection and the kernel's join from B goes unanswered: `join-syn-unanswered`.
    @Test func droppedJoinsDuringTheWatchGiveJoinSynUnanswered() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        try bed.check(
            net.client,
            ["ip", "mptcp", "endpoint", "add", net.pathB.clientIPv4, "dev", net.pathB.clientInterface, "subflow"])
        for namespace in [net.client, net.server] {
            try bed.check(namespace, ["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"])
        }
        try bed.check(net.server, ["nft", "add", "table", "inet", "dwatch"])
        try bed.check(
            net.server, ["nft", "add", "chain", "inet", "dwatch", "in", "{ type filter hook input priority 0; }"])
        try bed.check(net.server, ["nft", "add", "rule", "inet", "dwatch", "in", "tcp option mptcp subtype 1 drop"])

        let doctor = try bed.spawn(
            nil, [try BuiltProducts.path("subflowctl"), "doctor", "--netns", net.client, "--watch", "4", "--json"],
            name: "doctor")
        // The first snapshot is taken at once; give the process time to start before traffic.
        try waitUntil("doctor running", timeout: .seconds(5), observe: { doctor.isRunning }, until: { $0 })
        let server = try bed.startTrafficServer(in: net.server, bind: net.pathA.serverIPv4, port: 5301)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5301, ["--seconds", "2"])
        #expect(client.waitForExit(timeout: .seconds(20)) == 0, "\(bed.diagnostics)")
        _ = server.waitForExit(timeout: .seconds(5))
        let status = doctor.waitForExit(timeout: .seconds(30))
        let report = try DoctorJSONReport(doctor.stdout)
        #expect(report.checks.contains("watch"))
        let unanswered = try #require(
            report.findings.first { $0.id == "join-syn-unanswered" }, "\(doctor.stdout)\n\(bed.diagnostics)")
        #expect(unanswered.severity == "problem")
        #expect(unanswered.evidenceNames.contains("MPTcpExtMPJoinSynTx"))
        #expect(status == 2, "a problem gives exit status 2")
    }

    /// The server drops every SYN carrying MP_CAPABLE (F1): the first connection falls back to
    /// TCP after its SYN retransmissions (`MPCapableSYNTXDrop`, `Blackhole`) and the next one is
    /// opened as plain TCP at once (`MPCapableSYNTXDisabled`): `mp-capable-syn-dropped` and
    /// `mptcp-blackhole-active`, whose fix is a command that clears the state.
    @Test func droppedMPCapableSYNsGiveTheBlackholeFindings() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        try bed.check(net.server, ["nft", "add", "table", "inet", "dwatch"])
        try bed.check(
            net.server, ["nft", "add", "chain", "inet", "dwatch", "in", "{ type filter hook input priority 0; }"])
        try bed.check(net.server, ["nft", "add", "rule", "inet", "dwatch", "in", "tcp option mptcp subtype 0 drop"])
        let doctor = try bed.spawn(
            nil, [try BuiltProducts.path("subflowctl"), "doctor", "--netns", net.client, "--watch", "20", "--json"],
            name: "doctor")
        try waitUntil("doctor running", timeout: .seconds(5), observe: { doctor.isRunning }, until: { $0 })
        for round in 1...2 {
            let server = try bed.startTrafficServer(
                in: net.server, bind: net.pathA.serverIPv4, port: 5320 + round, name: "server-\(round)")
            let client = try bed.startTrafficClient(
                in: net.client, to: net.pathA.serverIPv4, port: 5320 + round, ["--seconds", "1"],
                name: "client-\(round)")
            #expect(client.waitForExit(timeout: .seconds(30)) == 0, "\(bed.diagnostics)")
            _ = server.waitForExit(timeout: .seconds(5))
        }
        #expect(doctor.isRunning, "the traffic took longer than the watch: \(doctor.stdout)")
        _ = doctor.waitForExit(timeout: .seconds(40))
        let report = try DoctorJSONReport(doctor.stdout)
        let dropped = try #require(report.with("mp-capable-syn-dropped").first, "\(report)")
        #expect(dropped.severity == "problem" && dropped.evidenceNames.contains("MPTcpExtMPCapableSYNTXDrop"))
        let active = try #require(report.with("mptcp-blackhole-active").first, "\(report)")
        #expect(active.evidenceNames == ["MPTcpExtMPCapableSYNTXDisabled"])

        // The fix, run as printed once the rule is gone, makes the next connection MPTCP again.
        try bed.check(net.server, ["nft", "delete", "table", "inet", "dwatch"])
        let fix = try #require(active.fix, "\(report)")
        #expect(fix.hasPrefix("ip netns exec \(net.client) "), "\(fix)")
        try bed.check(nil, ["sh", "-c", fix])
        let server = try bed.startTrafficServer(in: net.server, bind: net.pathA.serverIPv4, port: 5323)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5323, ["--seconds", "1"])
        #expect(client.waitForExit(timeout: .seconds(30)) == 0, "\(bed.diagnostics)")
        _ = server.waitForExit(timeout: .seconds(5))
        #expect(client.trafficRecords.first { $0.type == "summary" }?.fallback == false, "\(client.stdout)")
    }

    /// No traffic, no fault: the watch adds no counter finding (no false positive).
    @Test func aQuietWatchGivesNoCounterFinding() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        let result = try BuiltProducts.subflowctl(["doctor", "--netns", net.client, "--watch", "1", "--json"])
        let report = try DoctorJSONReport(result.stdout)
        #expect(report.checks.contains("watch"), "\(result)")
        #expect(report.counterFindings.isEmpty, "\(result)")
    }

    /// Out-of-range seconds are refused with the allowed range, before anything runs.
    @Test func watchSecondsOutsideTheRangeAreRefused() throws {
        for bad in ["0", "3601", "-1", "soon"] {
            let result = try BuiltProducts.subflowctl(["doctor", "--watch", bad])
            #expect(result.status == 64, "\(result)")
            #expect(result.stderr.contains("--watch"), "\(result)")
        }
    }
}
