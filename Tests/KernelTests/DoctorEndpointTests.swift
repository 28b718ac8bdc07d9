import Foundation
import Testing

@testable import SubflowTestSupport

/// `subflowctl doctor` on the in-kernel path manager's endpoints and limits (failure modes
/// P4, L1, L3, L4): each created in a namespace, found with its id and severity, and cleared
/// by running its fix.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(5)))
struct DoctorEndpointTests {
    /// The in-kernel PM client of a two-path topology with the limits set (so that only the
    /// mode under test shows).
    static func kernelClient(_ bed: Testbed) throws -> TwoPathTopology {
        let net = try TwoPathTopology(bed)
        try bed.check(net.client, ["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"])
        return net
    }

    @Test func endpointsUnderTheUserspacePathManagerAreFoundAndFlushed() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed, clientSysctls: ["net.mptcp.path_manager": "userspace"])
        try bed.check(
            net.client,
            ["ip", "mptcp", "endpoint", "add", net.pathB.clientIPv4, "dev", net.pathB.clientInterface, "signal"])

        let before = try DoctorRun(net.client)
        let found = try #require(before.finding("endpoints-ignored-by-userspace-pm"), "\(before)")
        #expect(found.severity == "warning")
        #expect(found.evidence.contains { $0.what == "endpoint" && $0.value.contains(net.pathB.clientIPv4) })
        #expect(found.fix == "ip netns exec \(net.client) ip mptcp endpoint flush")

        try DoctorRun.runFix(found)
        let after = try DoctorRun(net.client)
        #expect(after.finding("endpoints-ignored-by-userspace-pm") == nil, "\(after)")
    }

    @Test func addAddrAcceptedZeroIsFoundAndTheLimitsFixClearIt() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let namespace = try bed.addNamespace("limits")  // a fresh namespace: add_addr_accepted 0

        let before = try DoctorRun(namespace)
        let found = try #require(before.finding("add-addr-accepted-zero"), "\(before)")
        #expect(found.severity == "warning")
        #expect(found.evidence.contains { $0.what == "add_addr_accepted" && $0.value == "0" })
        #expect(found.evidence.contains { $0.what == "subflows" && $0.value == "2" })
        #expect(found.fix == "ip netns exec \(namespace) ip mptcp limits set subflows 2 add_addr_accepted 2")

        try DoctorRun.runFix(found)
        let after = try DoctorRun(namespace)
        #expect(after.finding("add-addr-accepted-zero") == nil, "\(after)")
    }

    @Test func noEndpointWithTwoAddressesIsFoundAndTheSuggestedEndpointClearsIt() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try Self.kernelClient(bed)
        // An endpoint without subflow/signal does not count.
        try bed.check(
            net.client, ["ip", "mptcp", "endpoint", "add", net.pathA.clientIPv4, "dev", net.pathA.clientInterface])

        let before = try DoctorRun(net.client)
        let found = try #require(before.finding("no-usable-endpoint"), "\(before)")
        #expect(found.severity == "warning")
        #expect(
            found.evidence.contains { $0.what == "usable address" && $0.value == "\(net.pathB.clientIPv4) dev cli-b" })
        #expect(
            found.fix
                == "ip netns exec \(net.client) ip mptcp endpoint add \(net.pathB.clientIPv4) dev cli-b subflow")

        try DoctorRun.runFix(found)
        let after = try DoctorRun(net.client)
        #expect(after.staticCheckFindings.isEmpty, "\(after)")
    }

    @Test func anEndpointWhoseAddressWentAwayIsFoundAndReplaced() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try Self.kernelClient(bed)
        try bed.check(
            net.client,
            ["ip", "mptcp", "endpoint", "add", net.pathB.clientIPv4, "dev", "cli-b", "id", "7", "subflow", "backup"])
        // Renumbering: path B's address changes, the endpoint stays.
        try bed.check(net.client, ["ip", "address", "del", "\(net.pathB.clientIPv4)/24", "dev", "cli-b"])
        try bed.addAddress(net.client, "198.18.2.7/24", device: "cli-b")

        let before = try DoctorRun(net.client)
        let found = try #require(before.finding("stale-endpoint"), "\(before)")
        #expect(found.severity == "problem")
        #expect(found.evidence.contains { $0.what == "endpoint" && $0.value.contains(net.pathB.clientIPv4) })
        #expect(found.evidence.contains { $0.value == "198.18.2.7 dev cli-b" })
        #expect(
            found.fix
                == "ip netns exec \(net.client) ip mptcp endpoint delete id 7 && "
                + "ip netns exec \(net.client) ip mptcp endpoint add 198.18.2.7 dev cli-b subflow backup")

        try DoctorRun.runFix(found)
        let endpoints = try bed.check(net.client, ["ip", "mptcp", "endpoint", "show"]).stdout
        #expect(endpoints.contains("198.18.2.7") && !endpoints.contains(net.pathB.clientIPv4), "\(endpoints)")
        let after = try DoctorRun(net.client)
        #expect(after.staticCheckFindings.isEmpty, "\(after)")
    }
}
