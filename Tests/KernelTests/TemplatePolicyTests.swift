import Foundation
import Testing

@testable import SubflowTestSupport

/// The path a researcher takes: copy templates/policy out of the repository, point it at the
/// SDK, build it with its one command, load it with --plugin-dir. Runs in CI so it cannot rot.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct TemplatePolicyTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Copies the template to a scratch folder outside the repository and builds it there.
    /// Returns the folder holding the built plugin.
    static func buildTemplateOutOfTree(in scratch: URL) throws -> URL {
        let package = scratch.appendingPathComponent("my-policy")
        try FileManager.default.copyItem(at: repository.appendingPathComponent("templates/policy"), to: package)
        let manifest = package.appendingPathComponent("Package.swift")
        let text = try String(contentsOf: manifest, encoding: .utf8)
            .replacingOccurrences(
                of: #"let subflowdSDK = "../../sdk""#,
                with: "let subflowdSDK = \"\(repository.appendingPathComponent("sdk").path)\"")
        try text.write(to: manifest, atomically: true, encoding: .utf8)
        let build = try Command.run(["bash", package.appendingPathComponent("build.sh").path], timeout: .seconds(240))
        guard build.status == 0 else { throw CommandFailed(result: build) }
        return package.appendingPathComponent("plugins")
    }

    /// Two policies at once: fullmesh by default, the template's ndiffports for connections to
    /// port 5202. Each connection gets its own policy's subflows, as the kernel reports them.
    @Test func templateBuildsOutOfTreeAndRulesSendTwoConnectionsToTwoPolicies() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let plugins = try Self.buildTemplateOutOfTree(in: bed.workDirectory)
        #expect(FileManager.default.fileExists(atPath: plugins.appendingPathComponent("ndiffports.so").path))

        let net = try TwoPathTopology(bed, clientSysctls: ["net.mptcp.path_manager": "userspace"])
        try bed.check(net.server, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        let daemon = try bed.startDaemon(
            in: net.client, policy: "fullmesh",
            [
                "--policy", "ndiffports", "--rule", "remote-port=5202 => ndiffports",
                "--set", "ndiffports.subflows=3",
                "--plugin-dir", BuiltProducts.directory.path, "--plugin-dir", plugins.path,
            ])
        var tokens: [Int: UInt32] = [:]
        for port in [5201, 5202] {
            _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: port, name: "server-\(port)")
            let client = try bed.startTrafficClient(
                in: net.client, to: net.pathA.serverIPv4, port: port,
                ["--seconds", "1", "--hold", "10"], name: "client-\(port)")
            let connected = try waitUntil(
                "client \(port) connected", timeout: .seconds(5),
                observe: { client.trafficRecords.first { $0.type == "connected" } },
                until: { $0 != nil })
            tokens[port] = try #require(connected?.token)
        }
        func subflows(_ port: Int, count: Int) throws -> [KernelSubflow] {
            try waitUntil(
                "\(count) subflows on the connection to port \(port)", timeout: .seconds(8),
                observe: { try KernelProbe.establishedSubflows(bed, in: net.client, token: tokens[port]) },
                until: { $0.count == count })
        }
        // fullmesh: the second local address joins the server's address.
        let mesh = try subflows(5201, count: 2)
        #expect(
            Set(mesh.map(\.localAddress)) == [net.pathA.clientIPv4, net.pathB.clientIPv4], "\(mesh)\n\(daemon.stderr)")
        // ndiffports: three subflows over the initial address pair, each from its own port.
        let ports = try subflows(5202, count: 3)
        #expect(
            ports.allSatisfy { $0.localAddress == net.pathA.clientIPv4 && $0.remoteAddress == net.pathA.serverIPv4 },
            "\(ports)")
        #expect(Set(ports.map(\.localPort)).count == 3)
        #expect(daemon.stderr.contains("handled by ndiffports (rule 'remote-port=5202 => ndiffports')"))
    }

    @Test func refusesARuleForAPolicyThatIsNotLoaded() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let ns = try bed.addNamespace("usp", sysctls: ["net.mptcp.path_manager": "userspace"])
        let daemon = try bed.spawn(
            ns,
            [
                try BuiltProducts.subflowd, "--policy", "fullmesh", "--plugin-dir",
                BuiltProducts.directory.path, "--rule", "side=server => signal-per-interface",
            ])
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 78)
        #expect(
            daemon.stderr.contains(
                "rule 'side=server => signal-per-interface': policy 'signal-per-interface' is not loaded")
                && daemon.stderr.contains("--policy signal-per-interface"), "\(daemon.stderr)")
    }
}
