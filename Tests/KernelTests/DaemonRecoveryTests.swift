import Foundation
import Testing

@testable import SubflowTestSupport

/// subflowd restarted (after SIGKILL) while MPTCP connections run: it rebuilds them from the
/// kernel's socket diagnostics, keeps every subflow, creates no duplicate, and manages the
/// connections again (docs/recovery.md). Subflows are counted with `ss` (KernelProbe), the
/// kernel's own word, never with subflowd's log.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct DaemonRecoveryTests {
    static let userspace: KeyValuePairs<String, String> = ["net.mptcp.path_manager": "userspace"]
    /// Every path is limited so that the transfer runs for its whole duration without eating
    /// the machine's two cores.
    static let rate = "20mbit"

    /// A transfer in progress from the client (userspace PM, subflowd with fullmesh) to the
    /// server (in-kernel PM, announcing its path-B address), with the 2 × 2 mesh in place.
    func meshDuringTransfer(
        _ bed: Testbed
    ) throws -> (
        net: TwoPathTopology, daemon: BackgroundProcess, token: UInt32,
        client: BackgroundProcess
    ) {
        let net = try TwoPathTopology(bed, rate: Self.rate, clientSysctls: Self.userspace)
        try bed.check(net.server, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        try bed.check(
            net.server,
            ["ip", "mptcp", "endpoint", "add", net.pathB.serverIPv4, "dev", net.pathB.serverInterface, "signal"])
        let daemon = try bed.startDaemon(in: net.client, ["--liveness-interval", "1"])
        _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201,
            ["--seconds", "60", "--hold", "1"])
        let connected = try waitUntil(
            "client connected", timeout: .seconds(5),
            observe: { client.trafficRecords.first { $0.type == "connected" } },
            until: { $0 != nil })
        let token = try #require(connected?.token, "\(bed.diagnostics)")
        _ = try waitForSubflows(bed, net.client, token: token, count: 4, log: daemon)
        return (net, daemon, token, client)
    }

    func waitForSubflows(
        _ bed: Testbed, _ namespace: String, token: UInt32, count: Int,
        log daemon: BackgroundProcess
    ) throws -> [KernelSubflow] {
        do {
            return try waitUntil(
                "\(count) established subflows", timeout: .seconds(10),
                observe: { try KernelProbe.establishedSubflows(bed, in: namespace, token: token) },
                until: { $0.count == count })
        } catch {
            Issue.record("\(error)\n--- \(daemon.name) log ---\n\(daemon.stderr)")
            throw error
        }
    }

    /// SIGKILL: no chance to clean anything up, as in a crash.
    func killHard(_ daemon: BackgroundProcess) {
        kill(daemon.pid, SIGKILL)
        #expect(daemon.waitForExit(timeout: .seconds(5)) != nil, "subflowd did not die")
    }

    func tuples(_ subflows: [KernelSubflow]) -> Set<String> { Set(subflows.map(\.fourTuple)) }

    /// Bytes the client's subflows have had acknowledged, all together.
    func bytesAcked(_ bed: Testbed, _ namespace: String, token: UInt32) throws -> UInt64 {
        try KernelProbe.establishedSubflows(bed, in: namespace, token: token).compactMap(\.bytesAcked).reduce(0, +)
    }

    /// Kill during the transfer, restart: the same four subflows (same 4-tuples), no new one
    /// after a few seconds, the transfer goes on; then a new path gets its two subflows.
    @Test func restartDuringTransferKeepsTheMeshWithoutDuplicates() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let (net, first, token, _) = try meshDuringTransfer(bed)
        let before = tuples(try KernelProbe.establishedSubflows(bed, in: net.client, token: token))

        killHard(first)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(
            tuples(try KernelProbe.establishedSubflows(bed, in: net.client, token: token)) == before,
            "the kernel keeps the subflows while no daemon runs")

        let second = try bed.startDaemon(in: net.client, ["--liveness-interval", "1"], name: "subflowd-restarted")
        #expect(second.stderr.contains("recovery: 1 existing connection(s) adopted (\(token))"), "\(second.stderr)")
        #expect(second.stderr.contains("connection \(token) client"), "\(second.stderr)")
        let acked = try bytesAcked(bed, net.client, token: token)
        Thread.sleep(forTimeInterval: 3)
        let settled = try KernelProbe.establishedSubflows(bed, in: net.client, token: token)
        #expect(settled.count == 4, "\(settled)")
        #expect(tuples(settled) == before, "no subflow was added, removed or replaced: \(settled)")
        #expect(
            !second.stderr.contains("create-subflow"), "no join: every path already has its subflow\n\(second.stderr)")
        #expect(try bytesAcked(bed, net.client, token: token) > acked, "the transfer goes on")

        // Fully managed again: a path that appears now gets its subflows to both server addresses.
        let pathC = try net.addPath(rate: Self.rate)
        let mesh = try waitForSubflows(bed, net.client, token: token, count: 6, log: second)
        #expect(
            Set(mesh.filter { $0.localAddress == pathC.clientIPv4 }.map(\.remoteAddress))
                == [net.pathA.serverIPv4, net.pathB.serverIPv4], "\(mesh)")
        #expect(tuples(mesh).isSuperset(of: before))
        #expect(second.isRunning)
    }

    /// A path added while no daemon runs gets its subflows once subflowd is back.
    @Test func pathAddedWhileTheDaemonIsDownJoinsAfterRestart() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let (net, first, token, _) = try meshDuringTransfer(bed)
        let before = tuples(try KernelProbe.establishedSubflows(bed, in: net.client, token: token))
        killHard(first)
        let pathC = try net.addPath(rate: Self.rate)
        Thread.sleep(forTimeInterval: 1)
        #expect(
            try KernelProbe.establishedSubflows(bed, in: net.client, token: token).count == 4,
            "nobody joins without a daemon")

        let second = try bed.startDaemon(in: net.client, name: "subflowd-restarted")
        let mesh = try waitForSubflows(bed, net.client, token: token, count: 6, log: second)
        #expect(tuples(mesh).isSuperset(of: before))
        #expect(
            Set(mesh.filter { $0.localAddress == pathC.clientIPv4 }.map(\.remoteAddress))
                == [net.pathA.serverIPv4, net.pathB.serverIPv4], "\(mesh)")
        Thread.sleep(forTimeInterval: 2)
        #expect(try KernelProbe.establishedSubflows(bed, in: net.client, token: token).count == 6, "and no more")
    }

    /// On the accepting side: the connection is recognised as the server's (its initial
    /// subflow carries MP_CAPABLE received, not sent) and left as it is.
    @Test func serverSideConnectionIsAdoptedAsServer() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed, rate: Self.rate, serverSysctls: Self.userspace)
        try bed.check(net.client, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        try bed.check(
            net.client,
            ["ip", "mptcp", "endpoint", "add", net.pathB.clientIPv4, "dev", net.pathB.clientInterface, "subflow"])
        let first = try bed.startDaemon(in: net.server)
        _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201, ["--seconds", "30", "--hold", "1"])
        _ = try waitUntil(
            "client connected", timeout: .seconds(5),
            observe: { client.trafficRecords.first { $0.type == "connected" } },
            until: { $0 != nil })
        let initial = try waitUntil(
            "the client's join accepted", timeout: .seconds(10),
            observe: { try KernelProbe.subflows(bed, in: net.server).filter(\.isEstablished) },
            until: { $0.count == 2 })
        let token = try #require(initial.first?.localToken)
        killHard(first)

        let second = try bed.startDaemon(in: net.server, name: "subflowd-restarted")
        #expect(
            second.stderr.contains("recovery: connection \(token) server \(net.pathA.serverIPv4):5201"),
            "\(second.stderr)")
        #expect(second.stderr.contains("initial subflow accepted here (MP_CAPABLE received)"), "\(second.stderr)")
        Thread.sleep(forTimeInterval: 2)
        #expect(tuples(try KernelProbe.establishedSubflows(bed, in: net.server, token: token)) == tuples(initial))
        #expect(
            !second.stderr.contains("create-subflow") && !second.stderr.contains("destroy-subflow"), "\(second.stderr)")
    }

    /// A connection opened while the namespace used the in-kernel path manager keeps it: the
    /// kernel refuses GET_ADDR with its token, and subflowd leaves it alone.
    @Test func inKernelPathManagerConnectionsAreLeftAlone() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed, rate: Self.rate)
        _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201, ["--seconds", "30", "--hold", "1"])
        let connected = try waitUntil(
            "client connected", timeout: .seconds(5),
            observe: { client.trafficRecords.first { $0.type == "connected" } }, until: { $0 != nil })
        let token = try #require(connected?.token)
        try bed.sysctl(net.client, "net.mptcp.path_manager", "userspace")

        let daemon = try bed.startDaemon(in: net.client)
        #expect(
            daemon.stderr.contains("recovery: not adopting connection \(token) ")
                && daemon.stderr.contains("it uses the in-kernel path manager"), "\(daemon.stderr)")
        #expect(daemon.stderr.contains("recovery: 0 existing connection(s) adopted"), "\(daemon.stderr)")
        Thread.sleep(forTimeInterval: 1)
        #expect(!daemon.stderr.contains("token=\(token)"), "no command for that connection\n\(daemon.stderr)")
        #expect(
            try KernelProbe.establishedSubflows(bed, in: net.client, token: token).count == 1,
            "the in-kernel PM has no subflow endpoint here: the connection keeps its single subflow")
    }
}
