import Foundation
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// subflowd + signal-per-interface against the real kernel. The SERVER namespace runs the
/// userspace path manager and `subflowd --policy signal-per-interface`; the CLIENT runs the
/// in-kernel path manager, which joins every address the server announces (up to its limits).
/// Everything is checked with the kernel's own tools on the side that must see it — the
/// client's MIB counters (`nstat`) and subflows (`ss`), the server's listeners (`ss -lM`) —
/// never with subflowd's log alone.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct DaemonSignalTests {
    static let userspace: KeyValuePairs<String, String> = ["net.mptcp.path_manager": "userspace"]

    /// Client with the in-kernel PM accepting up to 8 announcements and subflows; server with
    /// the userspace PM, its subflowd already running.
    func announcingServer(
        _ bed: Testbed, paths: Int = 2, _ settings: [String] = []
    ) throws
        -> (net: TwoPathTopology, daemon: BackgroundProcess)
    {
        let net = try TwoPathTopology(bed, pathCount: paths, serverSysctls: Self.userspace)
        try bed.check(net.client, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        let daemon = try bed.startDaemon(
            in: net.server, policy: "signal-per-interface", ["--liveness-interval", "1"] + settings)
        return (net, daemon)
    }

    /// A server application listening on `bind`:5201, and a client that connects to `server`,
    /// sends for a second and keeps the connection open `hold` seconds. Returns the CLIENT's token.
    func connect(
        _ bed: Testbed, _ net: TwoPathTopology, to server: String, bind: String, hold: Int = 20
    ) throws
        -> (token: UInt32, client: BackgroundProcess)
    {
        _ = try bed.startTrafficServer(in: net.server, bind: bind, port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: server, port: 5201,
            ["--seconds", "1", "--hold", String(hold)])
        let connected = try waitUntil(
            "client connected", timeout: .seconds(5),
            observe: { client.trafficRecords.first { $0.type == "connected" } },
            until: { $0 != nil })
        return (try #require(connected?.token, "\(bed.diagnostics)"), client)
    }

    /// Waits until the client's connection has exactly the subflows to `remotes` (one each).
    @discardableResult
    func waitForClientSubflows(
        _ bed: Testbed, _ net: TwoPathTopology, token: UInt32, to remotes: Set<String>,
        daemon: BackgroundProcess, timeout: Duration = .seconds(10)
    ) throws -> [KernelSubflow] {
        do {
            return try waitUntil(
                "client subflows to \(remotes.sorted())", timeout: timeout,
                observe: { try KernelProbe.establishedSubflows(bed, in: net.client, token: token) },
                until: { $0.count == remotes.count && Set($0.map(\.remoteAddress)) == remotes })
        } catch {
            Issue.record("\(error)\n--- subflowd (server) log ---\n\(daemon.stderr)")
            throw error
        }
    }

    /// `waitUntil`, with the server's subflowd log in the failure report.
    @discardableResult
    func waitReporting<T>(
        _ what: String, daemon: BackgroundProcess, timeout: Duration = .seconds(5),
        observe: () throws -> T, until condition: (T) -> Bool
    ) throws -> T {
        do {
            return try waitUntil(what, timeout: timeout, observe: observe, until: condition)
        } catch {
            Issue.record("\(error)\n--- subflowd (server) log ---\n\(daemon.stderr)")
            throw error
        }
    }

    func clientCounter(_ name: String, _ bed: Testbed, _ net: TwoPathTopology) throws -> UInt64 {
        try KernelProbe.counter(name, bed, in: net.client)
    }

    /// The MPTCP listening sockets of `namespace` as "ADDRESS:PORT" (`ss -lM`), with their
    /// accept-queue length (Recv-Q).
    func mptcpListeners(_ bed: Testbed, in namespace: String) throws -> [String: Int] {
        var listeners: [String: Int] = [:]
        for line in try bed.check(namespace, ["ss", "-H", "-l", "-M", "-n"]).stdout.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if words.count >= 4, let queued = Int(words[1]) { listeners[String(words[3])] = queued }
        }
        return listeners
    }

    // MARK: Tests

    /// The server's second address is announced once the connection is established, the
    /// client receives the ADD_ADDR and joins it; the application's wildcard listener covers
    /// the announced address, so subflowd opens no listener of its own.
    @Test func announcesTheOtherInterfaceAndThePeerJoinsIt() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let (net, daemon) = try announcingServer(bed)
        let (token, _) = try connect(bed, net, to: net.pathA.serverIPv4, bind: "0.0.0.0")

        let subflows = try waitForClientSubflows(
            bed, net, token: token, to: [net.pathA.serverIPv4, net.pathB.serverIPv4],
            daemon: daemon)
        let join = try #require(subflows.first { $0.remoteAddress == net.pathB.serverIPv4 })
        #expect(join.remotePort == 5201 && join.localAddress == net.pathB.clientIPv4, "\(subflows)")
        #expect(try clientCounter("MPTcpExtAddAddr", bed, net) == 1, "the client received exactly one ADD_ADDR")
        #expect(try clientCounter("MPTcpExtMPJoinSynAckRx", bed, net) >= 1)
        #expect(try KernelProbe.counter("MPTcpExtAddAddrTxDrop", bed, in: net.server) == 0)
        #expect(
            try mptcpListeners(bed, in: net.server).keys.sorted() == ["0.0.0.0:5201"],
            "covered by the application's wildcard listener: subflowd listens nowhere\n\(daemon.stderr)")
        #expect(daemon.isRunning)
    }

    /// With three paths both other addresses are announced — one at a time, paced, so the
    /// kernel drops none of them — and both are joined.
    @Test func announcesEveryOtherInterfaceWithoutDrops() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let (net, daemon) = try announcingServer(bed, paths: 3)
        let pathC = net.paths[2]
        let (token, _) = try connect(bed, net, to: net.pathA.serverIPv4, bind: "0.0.0.0")

        let subflows = try waitForClientSubflows(
            bed, net, token: token,
            to: [net.pathA.serverIPv4, net.pathB.serverIPv4, pathC.serverIPv4],
            daemon: daemon)
        #expect(Set(subflows.map(\.localAddress)) == [net.pathA.clientIPv4, net.pathB.clientIPv4, pathC.clientIPv4])
        #expect(try clientCounter("MPTcpExtAddAddr", bed, net) == 2)
        #expect(try clientCounter("MPTcpExtMPJoinSynAckRx", bed, net) >= 2)
        #expect(try KernelProbe.counter("MPTcpExtAddAddrTxDrop", bed, in: net.server) == 0, "\(daemon.stderr)")
        #expect(try KernelProbe.counter("MPTcpExtAddAddrTx", bed, in: net.server) >= 2)
    }

    /// The server's path-B interface goes down: subflowd sends REMOVE (the client receives
    /// RM_ADDR and loses the subflow); when it comes back the address is announced again and
    /// joined again.
    @Test func removesOnInterfaceLossAndAnnouncesAgainOnReturn() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let (net, daemon) = try announcingServer(bed)
        let (token, _) = try connect(bed, net, to: net.pathA.serverIPv4, bind: "0.0.0.0", hold: 30)
        try waitForClientSubflows(
            bed, net, token: token, to: [net.pathA.serverIPv4, net.pathB.serverIPv4], daemon: daemon)

        try bed.check(net.server, ["ip", "link", "set", net.pathB.serverInterface, "down"])
        try waitReporting(
            "the client receives RM_ADDR", daemon: daemon,
            observe: { try clientCounter("MPTcpExtRmAddr", bed, net) }, until: { $0 >= 1 })
        try waitForClientSubflows(bed, net, token: token, to: [net.pathA.serverIPv4], daemon: daemon)

        try bed.check(net.server, ["ip", "link", "set", net.pathB.serverInterface, "up"])
        try waitReporting(
            "the client receives the ADD_ADDR again", daemon: daemon,
            observe: { try clientCounter("MPTcpExtAddAddr", bed, net) }, until: { $0 >= 2 })
        let back = try waitForClientSubflows(
            bed, net, token: token, to: [net.pathA.serverIPv4, net.pathB.serverIPv4],
            daemon: daemon)
        let join = try #require(back.first { $0.remoteAddress == net.pathB.serverIPv4 })
        #expect(join.remoteID == 1, "announced again under the same address ID: \(back)")
        #expect(try KernelProbe.counter("MPTcpExtAddAddrTxDrop", bed, in: net.server) == 0)
    }

    /// The application listens on ONE address (198.18.1.2:5201): nothing covers 198.18.2.2:5201,
    /// so subflowd opens an MPTCP listener there before announcing it, the client's join
    /// succeeds, and the listener closes when the connection ends. A new connection (not a
    /// join) that reaches that listener is reset instead of waiting in its queue.
    @Test func listensWhereTheApplicationDoesNotAndStopsWhenTheConnectionEnds() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let (net, daemon) = try announcingServer(bed)
        let announced = "\(net.pathB.serverIPv4):5201"
        let (token, client) = try connect(bed, net, to: net.pathA.serverIPv4, bind: net.pathA.serverIPv4, hold: 4)

        try waitForClientSubflows(
            bed, net, token: token, to: [net.pathA.serverIPv4, net.pathB.serverIPv4], daemon: daemon)
        #expect(try clientCounter("MPTcpExtMPJoinSynAckRx", bed, net) >= 1)
        #expect(
            Set(try mptcpListeners(bed, in: net.server).keys) == ["\(net.pathA.serverIPv4):5201", announced],
            "\(daemon.stderr)")

        // Someone connects to the announced address as if it were a service: reset, not queued.
        let stray = try bed.startTrafficClient(
            in: net.client, to: net.pathB.serverIPv4, port: 5201,
            ["--seconds", "1", "--hold", "0"], name: "stray-client")
        #expect(stray.waitForExit(timeout: .seconds(10)).map { $0 != 0 } == true, "\(stray)")
        #expect(try mptcpListeners(bed, in: net.server)[announced] == 0, "nothing waits in subflowd's accept queue")

        #expect(client.waitForExit(timeout: .seconds(15)) == 0, "\(client)")
        try waitReporting(
            "subflowd closes its listener", daemon: daemon,
            observe: { try mptcpListeners(bed, in: net.server) }, until: { $0[announced] == nil })
        #expect(daemon.stderr.contains("listener: closed \(announced): connection"), "\(daemon.stderr)")
    }

    /// An IPv6 connection is announced the server's other IPv6 address (without a port: an
    /// IPv6 ADD_ADDR with a port does not fit beside TCP timestamps) and the client joins it.
    @Test func ipv6ConnectionsAreAnnouncedIPv6Addresses() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let (net, daemon) = try announcingServer(bed)
        let (token, _) = try connect(bed, net, to: net.pathA.serverIPv6, bind: "::")
        try waitForClientSubflows(
            bed, net, token: token, to: [net.pathA.serverIPv6, net.pathB.serverIPv6], daemon: daemon)
        #expect(try clientCounter("MPTcpExtAddAddr", bed, net) == 1)
    }

    /// An IPv4 client reaching a dual-stack `[::]` listener makes a v4-mapped connection on the
    /// server: IPv4 on the wire, so it is announced the other IPv4 address, which the client
    /// joins (the dual-stack listener covers it).
    @Test func v4MappedConnectionsAreAnnouncedIPv4Addresses() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let (net, daemon) = try announcingServer(bed)
        let (token, _) = try connect(bed, net, to: net.pathA.serverIPv4, bind: "::")
        try waitForClientSubflows(
            bed, net, token: token, to: [net.pathA.serverIPv4, net.pathB.serverIPv4], daemon: daemon)
        #expect(daemon.stderr.contains("::ffff:198.18.1.2"), "the server saw a v4-mapped connection\n\(daemon.stderr)")
        #expect(try mptcpListeners(bed, in: net.server).count == 1, "covered by [::]:5201")
    }
}
