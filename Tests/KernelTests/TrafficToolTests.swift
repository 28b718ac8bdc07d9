import Foundation
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// Real-kernel tests of subflow-traffic and of the testbed itself.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct TrafficToolTests {
    enum Family: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case ipv4, ipv6
        var testDescription: String { rawValue }
        func client(_ path: TwoPathTopology.Path) -> String { self == .ipv4 ? path.clientIPv4 : path.clientIPv6 }
        func server(_ path: TwoPathTopology.Path) -> String { self == .ipv4 ? path.serverIPv4 : path.serverIPv6 }
    }

    /// In-kernel PM: a `subflow` endpoint on path B + limits → the client opens a second subflow
    /// from its path-B address; ss and the tool both see 2 subflows, and the server received
    /// exactly what the client sent.
    @Test(arguments: Family.allCases)
    func inKernelPathManagerOpensSecondSubflow(family: Family) throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        try bed.check(
            net.client,
            [
                "ip", "mptcp", "endpoint", "add", family.client(net.pathB),
                "dev", net.pathB.clientInterface, "subflow",
            ])
        for namespace in [net.client, net.server] {
            try bed.check(namespace, ["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"])
        }
        let server = try bed.startTrafficServer(in: net.server, bind: family.server(net.pathA), port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: family.server(net.pathA), port: 5201,
            ["--seconds", "1", "--hold", "1", "--report-interval", "250"])

        let connected = try waitUntil(
            "client connected", observe: { client.trafficRecords.first { $0.type == "connected" } },
            until: { $0 != nil })
        let token = try #require(connected?.token, "\(bed.diagnostics)")
        let subflows = try waitUntil(
            "2 established subflows in the client namespace", timeout: .seconds(3),
            observe: { try KernelProbe.establishedSubflows(bed, in: net.client, token: token) },
            until: { $0.count == 2 })
        let sources = Set(subflows.map(\.localAddress))
        #expect(sources == [family.client(net.pathA), family.client(net.pathB)], "\(subflows)")
        #expect(subflows.allSatisfy { $0.remoteAddress == family.server(net.pathA) && $0.remotePort == 5201 })
        let mptcp = try KernelProbe.connections(bed, in: net.client).filter { $0.token == token }
        #expect(mptcp.count == 1 && mptcp.first?.extraSubflows == 1, "\(mptcp)")
        #expect(try KernelProbe.counter("MPTcpExtMPJoinSynAckRx", bed, in: net.client) >= 1)

        #expect(client.waitForExit(timeout: .seconds(15)) == 0, "\(bed.diagnostics)")
        #expect(server.waitForExit(timeout: .seconds(5)) == 0, "\(bed.diagnostics)")
        let summary = try #require(client.trafficRecords.first { $0.type == "summary" }, "\(bed.diagnostics)")
        let received = try #require(server.trafficRecords.first { $0.type == "connection" }, "\(bed.diagnostics)")
        #expect(
            summary.subflows == 2 && summary.extraSubflows == 1 && summary.token == token && summary.fallback == false)
        #expect(client.trafficRecords.contains { $0.type == "sample" && $0.subflows == 2 })
        #expect((summary.bytes ?? 0) > 0 && received.bytes == summary.bytes)
        #expect(received.subflows == 2 && received.fallback == false)
    }

    /// Two 100 Mbit/s paths carry more than one can; each stays within its limit.
    @Test func twoRateLimitedPathsAddUp() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed, rate: "100mbit")
        try bed.check(
            net.client,
            [
                "ip", "mptcp", "endpoint", "add", net.pathB.clientIPv4,
                "dev", net.pathB.clientInterface, "subflow",
            ])
        for namespace in [net.client, net.server] {
            try bed.check(namespace, ["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"])
        }
        let server = try bed.startTrafficServer(in: net.server, bind: net.pathA.serverIPv4, port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201,
            ["--seconds", "2", "--hold", "1"])
        // During the hold every byte is acknowledged and the subflows still exist: read the
        // per-subflow totals from the kernel.
        try waitUntil(
            "send phase over", timeout: .seconds(10),
            observe: { client.trafficRecords.last?.type }, until: { $0 == "sent" })
        let perPath = try KernelProbe.establishedSubflows(bed, in: net.client)
        #expect(client.waitForExit(timeout: .seconds(15)) == 0, "\(bed.diagnostics)")
        #expect(server.waitForExit(timeout: .seconds(5)) == 0)
        let summary = try #require(client.trafficRecords.first { $0.type == "summary" }, "\(bed.diagnostics)")
        let seconds = try #require(summary.seconds)
        let pathRates = perPath.map { ($0.localAddress, Double($0.bytesAcked ?? 0) * 8 / seconds / 1e6) }
        print("tbf 100mbit ×2: total \(summary.mbps ?? 0) Mbit/s over \(seconds) s; per path \(pathRates)")
        #expect(perPath.count == 2)
        #expect((summary.mbps ?? 0) > 130, "both paths should carry data: \(pathRates)")
        #expect(pathRates.allSatisfy { $0.1 < 110 }, "tbf should cap each path near 100 Mbit/s: \(pathRates)")
    }

    @Test func toolReportsUsageAndMissingMPTCP() throws {
        let tool = try BuiltProducts.subflowTraffic
        let bad = try Command.run([tool, "send", "--port", "5201"])
        #expect(bad.status == 64 && bad.stderr.contains("usage:"))
        #expect(try Command.run([tool, "frobnicate"]).status == 64)

        let bed = try Testbed()
        defer { bed.teardown() }
        let namespace = try bed.addNamespace("nomptcp", sysctls: ["net.mptcp.enabled": "0"])
        let result = try bed.run(namespace, [tool, "serve", "--bind", "127.0.0.1", "--port", "5201", "--once"])
        #expect(
            result.status == 69 && result.stderr.contains("MPTCP is not available: sysctl net.mptcp.enabled=1"),
            "\(result)")
        let refused = try bed.run(namespace, [tool, "send", "--to", "127.0.0.1", "--port", "5201"])
        #expect(refused.status == 69, "\(refused)")
    }

    @Test func connectFailureExitsNonZero() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed, pathCount: 1)
        let result = try bed.run(
            net.client,
            [
                try BuiltProducts.subflowTraffic, "send", "--to", net.pathA.serverIPv4,
                "--port", "5999", "--connect-timeout", "2",
            ])
        #expect(result.status == 1 && result.stderr.contains("connect(198.18.1.2:5999)"), "\(result)")
    }

    /// A third path added at run time is usable at once: an MPTCP connection from its client
    /// address to the server's path-A address travels on path C (source routing).
    @Test(arguments: Family.allCases)
    func pathAddedAtRunTimeCarriesTraffic(family: Family) throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        let pathC = try net.addPath()
        #expect(
            pathC.clientInterface == "cli-c" && pathC.clientIPv4 == "198.18.3.1" && pathC.serverIPv6 == "2001:db8:3::2")
        let route = try bed.check(
            net.client, ["ip", "route", "get", family.server(net.pathA), "from", family.client(pathC)])
        #expect(route.stdout.contains("dev cli-c"), "\(route)")

        let server = try bed.startTrafficServer(in: net.server, bind: family.server(net.pathA), port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: family.server(net.pathA), port: 5201,
            ["--bind", family.client(pathC), "--bytes", "4m"])
        #expect(client.waitForExit(timeout: .seconds(10)) == 0, "\(bed.diagnostics)")
        #expect(server.waitForExit(timeout: .seconds(5)) == 0, "\(bed.diagnostics)")
        let received = try #require(server.trafficRecords.first { $0.type == "connection" }, "\(bed.diagnostics)")
        #expect(received.bytes == 4 << 20 && received.peer?.contains(family.client(pathC)) == true, "\(received)")
        let counters = try KernelProbe.counters(bed, in: net.server)
        #expect((counters["MPTcpExtMPCapableSYNRX"] ?? 0) == 1)
        // The bytes arrived on the server's path-C interface.
        let link = try bed.check(net.server, ["ip", "-s", "link", "show", "dev", pathC.serverInterface]).stdout
        let rxBytes =
            link.split(separator: "\n").drop { !$0.contains("RX:") }.dropFirst().first?
            .split(separator: " ").first.flatMap { UInt64($0) } ?? 0
        #expect(rxBytes > 4 << 20, "\(link)")
    }

    /// teardown runs from `defer` when the body throws: namespaces gone, our process stopped.
    @Test func teardownRemovesEverythingWhenTheBodyThrows() throws {
        struct Boom: Error {}
        var created: [String] = []
        var pid: Int32 = 0
        var bedAfterwards: Testbed?
        var spawned: BackgroundProcess?
        #expect(throws: Boom.self) {
            let bed = try Testbed()
            bedAfterwards = bed
            defer { bed.teardown() }
            let net = try TwoPathTopology(bed, rate: "100mbit")
            created = bed.namespaces
            let sleeper = try bed.spawn(net.server, ["sleep", "30"])
            pid = sleeper.pid
            spawned = sleeper
            throw Boom()
        }
        #expect(created.count == 2)
        let remaining = Set(Testbed.allNamespaces())
        #expect(created.allSatisfy { !remaining.contains($0) }, "left behind: \(created.filter(remaining.contains))")
        #expect(pid > 0 && kill(pid, 0) == -1 && errno == ESRCH, "process \(pid) still exists")
        #expect(spawned?.exitStatus == SIGTERM, "stopped by SIGTERM, not SIGKILL after the grace period")
        bedAfterwards?.teardown()  // idempotent
        #expect(bedAfterwards?.isTornDown == true)
    }

    /// Namespaces left by a dead test process (PID encoded in the name) are removed; those of
    /// live processes are not.
    @Test func staleNamespacesOfDeadProcessesAreRemoved() throws {
        let finished = try Command.run(["true"])  // a PID that has just exited
        #expect(finished.succeeded)
        let dead = try deadPID()
        let stale = "\(Testbed.prefix)\(dead)-0000-stale"
        let live = "\(Testbed.prefix)\(getpid())-0000-live"
        try Command.check(["ip", "netns", "add", stale])
        try Command.check(["ip", "netns", "add", live])
        defer {
            _ = try? Command.run(["ip", "netns", "delete", live]);
            _ = try? Command.run(["ip", "netns", "delete", stale])
        }
        let removed = Testbed.removeStaleNamespaces()
        #expect(removed.contains(stale))
        let remaining = Set(Testbed.allNamespaces())
        #expect(!remaining.contains(stale) && remaining.contains(live))
    }

    /// A PID no process has right now (found by asking the kernel, not guessed blindly).
    private func deadPID() throws -> Int32 {
        for candidate in stride(from: Int32(4_000_000), to: 3_000_000, by: -7919)
        where kill(candidate, 0) == -1 && errno == ESRCH {
            return candidate
        }
        throw WaitTimedOut(what: "a free PID", timeout: .zero, lastSeen: "all candidates alive")
    }
}
