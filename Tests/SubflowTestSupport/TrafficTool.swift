import Foundation

/// One JSON line printed by `subflow-traffic` (`type`: listening, connection, connected,
/// sample, summary; storm_second, storm, kept). Absent keys are nil.
struct TrafficRecord: Decodable, Sendable {
    var type: String
    var bytes: UInt64?
    var seconds: Double?
    var mbps: Double?
    var subflows: Int?
    var extraSubflows: Int?
    var token: UInt32?
    var fallback: Bool?
    var t: Double?
    var local: String?
    var peer: String?
    var remote: String?
    var error: String?
    // storm
    var attempted: Int?
    var established: Int?
    var failed: Int?
    var connections: Int?

    enum CodingKeys: String, CodingKey {
        case type, bytes, seconds, mbps, subflows, token, fallback, t, local, peer, remote, error
        case attempted, established, failed, connections
        case extraSubflows = "extra_subflows"
    }

    /// Decodes every line that is a JSON object; other lines are ignored.
    static func parse(_ lines: [String]) -> [TrafficRecord] {
        let decoder = JSONDecoder()
        return lines.compactMap { try? decoder.decode(TrafficRecord.self, from: Data($0.utf8)) }
    }
}

/// Starting `subflow-traffic` inside a testbed's namespaces.
extension Testbed {
    /// `subflow-traffic serve --bind ADDRESS --port PORT [--once]` in `namespace`, returned once
    /// its "listening" line appeared.
    func startTrafficServer(
        in namespace: String, bind address: String, port: Int, once: Bool = true,
        _ extra: [String] = [], name: String = "traffic-server"
    ) throws -> BackgroundProcess {
        var arguments = [try BuiltProducts.subflowTraffic, "serve", "--bind", address, "--port", String(port)]
        if once { arguments.append("--once") }
        arguments += extra
        let server = try spawn(namespace, arguments, name: name)
        try waitUntil(
            "\(name) listening", timeout: .seconds(5),
            observe: { (TrafficRecord.parse(server.stdoutLines).first?.type, server.isRunning, server.stderr) },
            until: { record, running, _ in record == "listening" || !running })
        guard server.isRunning else {
            throw CommandFailed(
                result: CommandResult(
                    arguments: arguments, status: server.exitStatus ?? -1, stdout: server.stdout, stderr: server.stderr)
            )
        }
        return server
    }

    /// `subflow-traffic send --to ADDRESS --port PORT extra…` in `namespace`, in the background.
    func startTrafficClient(
        in namespace: String, to address: String, port: Int, _ extra: [String] = [],
        name: String = "traffic-client"
    ) throws -> BackgroundProcess {
        try spawn(
            namespace, [try BuiltProducts.subflowTraffic, "send", "--to", address, "--port", String(port)] + extra,
            name: name)
    }
}

extension BackgroundProcess {
    /// The tool's JSON lines so far.
    var trafficRecords: [TrafficRecord] { TrafficRecord.parse(stdoutLines) }
}
