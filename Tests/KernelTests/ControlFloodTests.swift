import Foundation
import Testing

@testable import SubflowTestSupport

/// Hostile clients of the control socket and the metrics listener against a daemon that is
/// busy with the kernel: nothing they do may stall its loop, lock root out, keep scrapes
/// out, or make it spin and flood its log when descriptors run out.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct ControlFloodTests {
    static let userspace: KeyValuePairs<String, String> = ["net.mptcp.path_manager": "userspace"]
    static let metricsRequest = Array("{\"command\":\"metrics\"}\n".utf8)

    /// Ten clients pipeline `metrics` requests without reading a byte, two send 64 KiB
    /// objects of thousands of keys, one a 70,000-byte line, sixteen sit idle — while new
    /// MPTCP connections keep coming. `subflowctl status` is still answered (within its own
    /// 10 s), every new connection still gets its second subflow, and the long line is refused.
    @Test func hostileControlClientsDoNotStallTheDaemon() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let socket = ControlClientTool.socketPath(bed)
        let net = try TwoPathTopology(bed, clientSysctls: Self.userspace)
        try bed.check(net.server, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        let daemon = try bed.startDaemon(in: net.client, ["--control-socket", socket, "--log-level", "info"])
        _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: 5201, once: false)

        let pipeliners = (0..<10).compactMap { _ in HostileSocket.unix(socket) }
        let wideObject = Self.objectWithManyKeys(maximumBytes: 65_000)
        let wide = (0..<2).compactMap { _ in HostileSocket.unix(socket) }
        let idle = (0..<16).compactMap { _ in HostileSocket.unix(socket) }
        #expect(pipeliners.count == 10 && wide.count == 2 && idle.count == 16)
        let long = try #require(HostileSocket.unix(socket))
        long.push(
            Array("{\"command\":\"status\",\"pad\":\"".utf8) + [UInt8](repeating: 0x61, count: 70_000)
                + Array("\"}\n".utf8))
        func flood() {
            for client in pipeliners { client.fill(with: Self.metricsRequest) }
            for client in wide { client.fill(with: wideObject, upTo: 4 * wideObject.count) }
        }
        flood()

        for round in 0..<4 {
            flood()
            let started = ContinuousClock.now
            let status = try ControlClientTool.run(["status", "--socket", socket, "--json"])
            #expect(
                status.succeeded,
                "round \(round): status during the flood: \(status)\n--- subflowd ---\n\(daemon.stderr.suffix(3000))")
            let client = try bed.startTrafficClient(
                in: net.client, to: net.pathA.serverIPv4, port: 5201,
                ["--seconds", "1", "--hold", "6"], name: "traffic-\(round)")
            let token = try #require(
                try waitUntil(
                    "client \(round) connected", timeout: .seconds(10),
                    observe: {
                        flood()
                        return client.trafficRecords.first { $0.type == "connected" }?.token
                    }, until: { $0 != nil }))
            try waitUntil(
                "connection \(round) with its join on path B", timeout: .seconds(15),
                observe: {
                    flood()
                    return try KernelProbe.establishedSubflows(bed, in: net.client, token: token)
                }, until: { $0.count == 2 })
            print("round \(round): status answered in \(ContinuousClock.now - started) (with the join wait)")
        }

        let refusal = long.readAll(timeout: .seconds(30))
        #expect(
            refusal.contains("\"code\":\"bad_request\"") && refusal.contains("longer than 65536 bytes"),
            "\(refusal.prefix(300))")
        #expect(!refusal.contains("\"ok\":true"), "the 70,000-byte line must not be served")
        #expect(daemon.isRunning)
        _ = idle
    }

    /// Thirty-two clients of the control group (nobody, group nogroup) hold every ordinary slot
    /// with monitors; root's `subflowctl status` still gets one of the slots kept for root.
    @Test func rootAlwaysGetsASlot() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let socket = ControlClientTool.socketPath(bed)
        let namespace = try bed.addNamespace("solo", sysctls: Self.userspace)
        let daemon = try bed.startDaemon(in: namespace, ["--control-socket", socket, "--control-group", "nogroup"])
        let tool = try ToolsForOtherUsers.copy("subflowctl", into: bed)
        let monitors = try (0..<32).map {
            try bed.spawn(
                nil, ControlClientTool.asUser("nobody", [tool, "monitor", "--socket", socket, "--json"]),
                name: "monitor-\($0)")
        }
        // Settled: every monitor either holds a slot (counted by root's status) or was refused
        // and exited; or root itself was refused, which is the failure this test is about.
        let root = try waitUntil(
            "every monitor connected or refused", timeout: .seconds(20),
            observe: {
                () throws -> (refused: Int, status: CommandResult) in
                (
                    monitors.filter { !$0.isRunning }.count,
                    try ControlClientTool.run(["status", "--socket", socket, "--json"])
                )
            },
            until: { refused, status in
                status.stderr.contains("too many control clients")
                    || (status.succeeded && status.stdout.contains("\"monitors\":\(32 - refused)"))
            }
        ).status
        #expect(root.succeeded, "root was locked out: \(root)\n\(daemon.stderr.suffix(2000))")
        let nobody = try ControlClientTool.run(["status", "--socket", socket], as: "nobody", in: bed)
        #expect(!nobody.succeeded && nobody.stderr.contains("too many control clients"), "\(nobody)")
        #expect(root.stdout.contains("\"monitors\":30"), "\(root.stdout.suffix(300))")
    }

    /// Slowloris: connections from three loopback addresses drip one byte a second and never
    /// finish their request. Every scrape meanwhile is answered 200, and a connection that drips
    /// on its own is closed by the whole-request deadline although it is never idle.
    @Test func slowlorisDoesNotKeepScrapesOut() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let namespace = try bed.addNamespace("solo", sysctls: Self.userspace)
        let port = UInt16.random(in: 20_000...40_000)
        let daemon = try bed.startDaemon(in: namespace, ["--metrics-listen", ":\(port)", "--log-level", "info"])
        let sources = ["127.0.0.2", "127.0.0.3", "127.0.0.1"]
        var drippers: [(source: String, socket: HostileSocket?)] = sources.flatMap { source in
            (0..<8).map { _ in (source, nil as HostileSocket?) }
        }
        func drip() throws {
            for index in drippers.indices {
                if drippers[index].socket?.push([0x47]) != true || drippers[index].socket?.peerClosed == true {
                    drippers[index].socket = try HostileSocket.tcp(
                        in: namespace, from: drippers[index].source,
                        to: "127.0.0.1", port: port)
                    drippers[index].socket?.push([0x47])
                }
            }
        }
        try drip()
        var answers: [String] = []
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .seconds(12))
        while clock.now < end {
            try drip()
            let scrape = try #require(
                try HostileSocket.tcp(in: namespace, from: "127.0.0.1", to: "127.0.0.1", port: port))
            scrape.push(Array("GET /metrics HTTP/1.1\r\nHost: subflowd\r\n\r\n".utf8))
            answers.append(String(scrape.readAll(timeout: .seconds(20)).prefix(15)))
            usleep(500_000)
        }
        #expect(answers.count >= 5)
        #expect(answers.allSatisfy { $0 == "HTTP/1.1 200 OK" }, "\(answers)\n\(daemon.stderr.suffix(2000))")

        for index in drippers.indices { drippers[index].socket?.close() }
        let lone = try #require(try HostileSocket.tcp(in: namespace, from: "127.0.0.2", to: "127.0.0.1", port: port))
        try waitUntil(
            "a dripping connection closed by the request deadline", timeout: .seconds(15), interval: .seconds(1),
            observe: { () -> Bool in
                lone.push([0x47]); return lone.peerClosed
            }, until: { $0 })
        #expect(daemon.isRunning)
    }

    /// With its descriptor limit lowered below what it uses, a flood of clients makes the
    /// daemon log the exhaustion once (not once per attempt), turn the clients away at once,
    /// and serve again when descriptors are back, saying how many it turned away.
    @Test func runningOutOfDescriptorsIsOneEpisodeInTheLog() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let socket = ControlClientTool.socketPath(bed)
        let namespace = try bed.addNamespace("solo", sysctls: Self.userspace)
        let daemon = try bed.startDaemon(in: namespace, ["--control-socket", socket, "--log-level", "info"])
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/fd").count
        try bed.check(nil, ["prlimit", "--pid", "\(daemon.pid)", "--nofile=\(open):"])

        // Clients join the backlog as fast as it has room (a full one refuses them at once).
        // The limit caps descriptor numbers, so a client or two may still get a free number
        // below it and be served normally: all but 3 must be turned away.
        var clients: [HostileSocket] = []
        try waitUntil(
            "100 clients in the backlog and turned away", timeout: .seconds(30),
            observe: { () -> (Int, Int) in
                if clients.count < 100 {
                    clients += (0..<20).compactMap { _ in HostileSocket.unix(socket, waitForBacklog: false) }
                }
                return (clients.count, clients.filter(\.peerClosed).count)
            }, until: { $0.0 >= 100 && $0.1 >= $0.0 - 3 })
        let during = daemon.stderr
        let lines = during.split(separator: "\n").filter { $0.contains("accept") || $0.contains("file descriptors") }
        #expect(lines.count <= 3, "the exhaustion was logged \(lines.count) times: \(lines.prefix(5))")
        #expect(during.contains("out of file descriptors"), "\(during.suffix(2000))")

        try bed.check(nil, ["prlimit", "--pid", "\(daemon.pid)", "--nofile=1024:"])
        let status = try waitUntil(
            "status answered again", timeout: .seconds(10),
            observe: {
                try ControlClientTool.run(["status", "--socket", socket, "--json"])
            }, until: { $0.succeeded })
        #expect(status.stdout.contains("\"protocol\":1"))
        try waitUntil(
            "the episode's end logged", timeout: .seconds(5), observe: { daemon.stderr },
            until: {
                $0.contains("accepting again after") && $0.contains("clients were turned away")
            })
        #expect(daemon.isRunning)
    }

    /// `{"k0":0,"k1":0,…,"command":"status"}\n`, as many keys as fit in `maximumBytes`.
    static func objectWithManyKeys(maximumBytes: Int) -> [UInt8] {
        var text = "{"
        var index = 0
        while text.utf8.count < maximumBytes - 40 {
            text += "\"k\(index)\":0,"
            index += 1
        }
        return Array((text + "\"command\":\"status\"}\n").utf8)
    }
}
