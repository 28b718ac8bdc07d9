import Foundation
import Testing

@testable import SubflowTestSupport

/// subflowd with every socket above descriptor 127. ELL 0.56 watches descriptors 0–127 only,
/// so a daemon started with many descriptors already open (or that had opened many) could not
/// watch its netlink, control or metrics sockets. The loop now hands ELL only descriptors it
/// opens first; every other watch works at any number.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct DaemonHighDescriptorTests {
    @Test func netlinkControlAndMetricsSocketsAbove127Work() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed, clientSysctls: TwoPathTopology.userspaceClient)
        try net.serverAnnouncesPathB()
        let socket = ControlClientTool.socketPath(bed)
        let port = Int.random(in: 20_000...40_000)
        // bash holds descriptors 10-299 open when it execs subflowd: the loop's own few land on
        // 3-9, every socket the daemon opens afterwards lands above 299. Descriptors bash
        // inherited stay as they are (Foundation watches the child's end of one of them).
        let occupy =
            "for fd in $(seq 10 299); do [ -e /proc/$$/fd/$fd ] || eval \"exec $fd</dev/null\"; done; exec \"$@\""
        let daemon = try bed.spawn(
            net.client,
            [
                "bash", "-c", occupy, "subflowd", try BuiltProducts.subflowd,
                "--policy", "fullmesh", "--plugin-dir", BuiltProducts.directory.path,
                "--log-level", "debug", "--control-socket", socket,
                "--metrics-listen", ":\(port)",
            ], name: "subflowd")
        try waitUntil(
            "subflowd ready", timeout: .seconds(10), observe: { (daemon.stderr, daemon.isRunning) },
            until: { $0.0.contains("ready in") || !$0.1 })
        try #require(daemon.isRunning, "subflowd exited: \(daemon.stderr)")

        let highSockets = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/fd").filter { name in
            guard let fd = Int(name), fd > 127 else { return false }
            return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(daemon.pid)/fd/\(name)"))?
                .hasPrefix("socket:") == true
        }
        #expect(
            highSockets.count >= 3,
            "netlink, control and metrics sockets above 127 (a few take the free slots 3-9): \(highSockets.sorted())")

        // The control socket and its client connection (both above 127) answer.
        let status = try ControlClientTool.run(["status", "--socket", socket])
        #expect(status.succeeded, "\(status)")
        let http = try bed.check(
            net.client,
            [
                "bash", "-c",
                """
                exec 3<>/dev/tcp/127.0.0.1/\(port) && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3
                """,
            ], timeout: .seconds(10)
        ).stdout
        #expect(http.hasPrefix("HTTP/1.1 200"), "\(http.prefix(300))")

        // The kernel link (netlink sockets above 127) works: a connection gets its full mesh.
        _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201, ["--seconds", "1", "--hold", "20"])
        let connected = try waitUntil(
            "client connected", timeout: .seconds(10),
            observe: { client.trafficRecords.first { $0.type == "connected" } }, until: { $0 != nil })
        let token = try #require(connected?.token)
        let mesh = try waitUntil(
            "4 established subflows", timeout: .seconds(10),
            observe: { try KernelProbe.establishedSubflows(bed, in: net.client, token: token) },
            until: { $0.count == 4 })
        #expect(mesh.count == 4, "\(daemon.stderr.suffix(3000))")
    }
}
