import Foundation
import Testing

@testable import SubflowTestSupport

/// The storm mode bench/storm.sh drives, against a real server in namespaces.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct TrafficStormTests {
    /// Paced at 40 a second, the storm never runs ahead of its rate, reports each full second
    /// and the total, closes what it opened — except the newest 3, which stay established in
    /// the kernel until the storm process ends.
    @Test func stormPacesReportsAndKeepsTheNewestOpen() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed, pathCount: 1)
        let server = try bed.startTrafficServer(
            in: net.server, bind: net.pathA.serverIPv4, port: 5201, once: false,
            ["--backlog", "1024"])
        let storm = try bed.spawn(
            net.client,
            [
                try BuiltProducts.subflowTraffic, "storm", "--to", net.pathA.serverIPv4,
                "--port", "5201", "--rate", "40", "--seconds", "1.5", "--hold-ms", "20",
                "--keep", "3", "--keep-seconds", "300",
            ], name: "storm")
        let records = try waitUntil(
            "the storm over, connections kept", timeout: .seconds(60),
            observe: { (storm.trafficRecords, storm.isRunning) },
            until: { records, running in records.contains { $0.type == "kept" } || !running }
        ).0
        let summary = try #require(records.first { $0.type == "storm" }, "\(bed.diagnostics)")
        let attempted = try #require(summary.attempted)
        #expect(summary.failed == 0 && summary.established == attempted, "\(bed.diagnostics)")
        #expect(
            attempted >= 2 && attempted <= Int(40 * (summary.seconds ?? 0)) + 1, "paced at 40/s: \(bed.diagnostics)")
        let perSecond = records.filter { $0.type == "storm_second" }
        #expect(
            perSecond.first?.t == 1 && perSecond.reduce(0) { $0 + ($1.attempted ?? 0) } <= attempted, "\(perSecond)")
        #expect(records.first { $0.type == "kept" }?.connections == 3)

        // The kernel's word: 3 connections established, every other one closed and counted by the server.
        try waitUntil(
            "3 established MPTCP connections and \(attempted - 3) finished at the server", timeout: .seconds(30),
            observe: {
                (
                    try KernelProbe.connections(bed, in: net.client).filter { $0.state == "ESTAB" }.count,
                    server.trafficRecords.filter { $0.type == "connection" }.count
                )
            },
            until: { $0.0 == 3 && $0.1 == attempted - 3 })
        storm.stop()
        try waitUntil(
            "every connection finished at the server", timeout: .seconds(30),
            observe: { server.trafficRecords.filter { $0.type == "connection" }.count },
            until: { $0 == attempted })
    }
}
