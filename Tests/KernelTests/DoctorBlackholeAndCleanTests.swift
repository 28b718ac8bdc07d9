import Foundation
import Testing

@testable import SubflowTestSupport

/// `subflowctl doctor`: the blackhole state after a dropped MP_CAPABLE SYN (F1, fact 2), and
/// no false positives from the static checks in correctly configured namespaces.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(5)))
struct DoctorBlackholeAndCleanTests {
    /// A firewall on the server that drops every packet carrying the MPTCP option.
    static func dropMPTCP(_ bed: Testbed, _ namespace: String) throws {
        try bed.check(namespace, ["nft", "add", "table", "inet", "doctor"])
        try bed.check(
            namespace,
            ["nft", "add", "chain", "inet", "doctor", "input", "{ type filter hook input priority 0; }"])
        try bed.check(
            namespace, ["nft", "add", "rule", "inet", "doctor", "input", "tcp", "option", "mptcp", "exists", "drop"])
    }

    /// One short MPTCP transfer from client to server path A; returns whether it fell back.
    static func transfer(_ bed: Testbed, _ net: TwoPathTopology, _ name: String) throws -> Bool? {
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201, ["--bytes", "1000", "--connect-timeout", "30"],
            name: name)
        #expect(client.waitForExit(timeout: .seconds(60)) == 0, "\(client)")
        return client.trafficRecords.first { $0.type == "connected" }?.fallback
    }

    @Test func aDroppedMPCapableSYNLeavesTheBlackholeFindingWithItsCounters() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        _ = try bed.startTrafficServer(in: net.server, bind: net.pathA.serverIPv4, port: 5201, once: false)
        #expect(try DoctorRun(net.client).finding("mptcp-blackhole-detected") == nil)

        try Self.dropMPTCP(bed, net.server)
        #expect(try Self.transfer(bed, net, "through-firewall") == true, "the connection should have fallen back")
        let found = try #require(try DoctorRun(net.client).finding("mptcp-blackhole-detected"))
        #expect(found.severity == "warning")
        let evidence = Dictionary(found.evidence.map { ($0.what, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(evidence["MPTcpExtBlackhole"] == "1", "\(found.evidence)")
        #expect(evidence["net.mptcp.blackhole_timeout"] == "3600")
        #expect(found.fix == "ip netns exec \(net.client) sysctl -w net.mptcp.blackhole_timeout=3600")

        // Fact 2: with the rule gone, the next open is still plain TCP: the state is real.
        try bed.check(net.server, ["nft", "delete", "table", "inet", "doctor"])
        #expect(try Self.transfer(bed, net, "disabled") == true, "active opens should still be disabled")
        let disabled = try #require(try DoctorRun(net.client).finding("mptcp-blackhole-detected"))
        #expect(disabled.evidence.contains { $0.what == "MPTcpExtMPCapableSYNTXDisabled" && $0.value == "1" })

        // The fix clears the kernel's state: the next open is MPTCP again.
        try DoctorRun.runFix(found)
        #expect(try Self.transfer(bed, net, "cleared") == false, "the fix should have re-enabled MPTCP")
        // The counters only rise, so doctor still reports what they prove (and says it cannot
        // tell whether the state is still in force).
        let after = try #require(try DoctorRun(net.client).finding("mptcp-blackhole-detected"))
        #expect(after.summary.contains("cannot show whether"))
    }

    @Test func userspacePathManagerWithSubflowdGivesNoStaticFinding() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed, clientSysctls: ["net.mptcp.path_manager": "userspace"])
        _ = try bed.startDaemon(in: net.client)
        let run = try DoctorRun(net.client)
        #expect(run.staticCheckFindings.isEmpty, "\(run)")
        #expect(
            run.skipped.filter { ["path-manager", "endpoints", "limits", "blackhole"].contains($0.check) }.isEmpty,
            "\(run)")
    }

    @Test func inKernelPathManagerWithLimitsAndASubflowEndpointGivesNoStaticFinding() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        try bed.check(net.client, ["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"])
        try bed.check(
            net.client,
            ["ip", "mptcp", "endpoint", "add", net.pathB.clientIPv4, "dev", net.pathB.clientInterface, "subflow"])
        _ = try bed.startTrafficServer(in: net.server, bind: net.pathA.serverIPv4, port: 5201)
        // Real traffic first: a working connection leaves no blackhole trace either.
        #expect(try Self.transfer(bed, net, "clean") == false)
        let run = try DoctorRun(net.client)
        #expect(run.staticCheckFindings.isEmpty, "\(run)")
        #expect(
            run.skipped.filter { ["path-manager", "endpoints", "limits", "blackhole"].contains($0.check) }.isEmpty,
            "\(run)")
    }
}
