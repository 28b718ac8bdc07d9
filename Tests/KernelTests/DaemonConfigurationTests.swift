import Foundation
import Testing

@testable import SubflowTestSupport

/// The configuration file as an admin meets it: errors at start, --check-config, SIGHUP.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct DaemonConfigurationTests {
    func write(_ text: String, in bed: Testbed, name: String = "subflowd.conf") throws -> String {
        let path = bed.workDirectory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aBadFileIsRefusedAtStartWithItsLineAndExitStatus78() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let ns = try bed.addNamespace("cfg", sysctls: ["net.mptcp.path_manager": "userspace"])
        let config = try write(
            "[core]\npolicy = fullmesh\nplugin-dir = \(BuiltProducts.directory.path)\n[policy.fullmesh]\nmax-subflow = 2\n",
            in: bed)
        let daemon = try bed.spawn(ns, [try BuiltProducts.subflowd, "--config", config])
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 78)
        #expect(
            daemon.stderr.contains("\(config):5: unknown key 'max-subflow' for policy fullmesh; it reads: "),
            "\(daemon.stderr)")
        let check = try bed.run(ns, [try BuiltProducts.subflowd, "--config", config, "--check-config"])
        #expect(check.status == 78 && check.stderr.contains(":5: unknown key 'max-subflow'"))
        let good = try write(
            "[core]\npath-manager = fullmesh\nplugin-dir = \(BuiltProducts.directory.path)\n", in: bed,
            name: "mptcpd.conf")
        let valid = try bed.run(ns, [try BuiltProducts.subflowd, "--config", good, "--check-config"])
        #expect(valid.status == 0 && valid.stdout.contains("configuration is valid"), "\(valid.stderr)")
    }

    /// SIGHUP with a broken file keeps the running configuration; with a good one the policies
    /// are replaced and live connections stay managed (their subflows kept, new paths joined).
    @Test func reloadKeepsConnectionsAndRefusesABadFile() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed, clientSysctls: ["net.mptcp.path_manager": "userspace"])
        try bed.check(net.server, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        try bed.check(
            net.server,
            ["ip", "mptcp", "endpoint", "add", net.pathB.serverIPv4, "dev", net.pathB.serverInterface, "signal"])
        let base = "[core]\npolicy = fullmesh\nplugin-dir = \(BuiltProducts.directory.path)\nlog-level = debug\n"
        let config = try write(base, in: bed)
        let daemon = try bed.spawn(net.client, [try BuiltProducts.subflowd, "--config", config])
        try waitUntil("ready", timeout: .seconds(10), observe: { daemon.stderr }, until: { $0.contains("ready in") })
        _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201, ["--seconds", "1", "--hold", "20"])
        let token = try #require(
            try waitUntil(
                "connected", timeout: .seconds(5), observe: { client.trafficRecords.first { $0.type == "connected" } },
                until: { $0 != nil })?.token)
        let mesh = try waitUntil(
            "4 subflows", timeout: .seconds(8),
            observe: { try KernelProbe.establishedSubflows(bed, in: net.client, token: token) },
            until: { $0.count == 4 })

        _ = try write(base + "[policy.fullmesh]\nmax-subflows = lots\n", in: bed)
        kill(Int32(daemon.pid), SIGHUP)
        try waitUntil(
            "reload refused", timeout: .seconds(5), observe: { daemon.stderr }, until: { $0.contains("reload refused") }
        )
        #expect(
            daemon.stderr.contains("\(config):6:") && daemon.stderr.contains("max-subflows = lots"), "\(daemon.stderr)")
        #expect(daemon.isRunning)

        _ = try write(base + "[policy.fullmesh]\nmax-subflows = 8\nretry-limit = 3\n", in: bed)
        kill(Int32(daemon.pid), SIGHUP)
        try waitUntil(
            "reloaded", timeout: .seconds(5), observe: { daemon.stderr },
            until: { $0.contains("configuration reloaded") })
        Thread.sleep(forTimeInterval: 0.5)
        let after = try KernelProbe.establishedSubflows(bed, in: net.client, token: token)
        #expect(
            Set(after.map(\.fourTuple)) == Set(mesh.map(\.fourTuple)), "no subflow lost or duplicated by the reload")
        // The connection is still managed: a new local address joins the mesh.
        let pathC = try net.addPath()
        let grown = try waitUntil(
            "6 subflows", timeout: .seconds(8),
            observe: { try KernelProbe.establishedSubflows(bed, in: net.client, token: token) },
            until: { $0.count == 6 })
        #expect(grown.filter { $0.localAddress == pathC.clientIPv4 }.count == 2)
    }
}
