import Foundation
import Testing

@testable import SubflowTestSupport

/// subflowd's control socket and metrics against the real kernel: `subflowctl status`,
/// `connections`, `monitor` and `metrics` talk to a daemon managing a live fullmesh connection
/// in network namespaces, and what they report is checked against the kernel's own view (`ss`).
/// Each daemon gets its own control socket in the testbed's work directory.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct DaemonControlTests {
    static let userspace: KeyValuePairs<String, String> = ["net.mptcp.path_manager": "userspace"]

    // MARK: status and connections

    /// On a running 2 × 2 mesh, `status` reports the policy, the userspace mode, uptime and
    /// counters, and `connections` lists the connection with exactly the subflows `ss` shows:
    /// same token, same count, same 4-tuples.
    @Test func statusAndConnectionsMatchTheKernel() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let socket = ControlClientTool.socketPath(bed)
        let (net, daemon, token) = try runningMesh(bed, ["--control-socket", socket])

        let status = try ControlClientTool.json(["status", "--socket", socket, "--json"])
        let policies = try #require(status["policies"] as? [[String: Any]], "\(status)")
        #expect(policies.map { $0["name"] as? String } == ["fullmesh"])
        let api = try #require(policies.first?["api_version"] as? Int)
        #expect(api >= 1 && api == status["api_version"] as? Int)
        #expect(status["path_manager"] as? String == "userspace")
        #expect((status["uptime_seconds"] as? Double ?? 0) > 0)
        #expect(status["connections"] as? Int == 1)
        let counters = try #require(status["counters"] as? [String: Any])
        let events = try #require(counters["events"] as? [String: Int])
        #expect(
            events["CREATED"] == 1 && events["ESTABLISHED"] == 1 && (events["SUB_ESTABLISHED"] ?? 0) >= 3, "\(events)")
        #expect((counters["subflows_requested"] as? Int ?? 0) >= 3, "\(counters)")
        #expect((counters["commands_sent"] as? Int ?? 0) >= 3)
        for key in [
            "subflow_requests_failed", "subflows_failed", "event_overruns", "malformed_messages",
            "connections_vanished", "command_errors",
        ] {
            #expect(counters[key] != nil, "status lacks \(key)")
        }

        // The daemon's view settles a moment after ss shows the joins (SUB_ESTABLISHED follows).
        let kernel = try KernelProbe.establishedSubflows(bed, in: net.client, token: token)
        let kernelTuples = Set(kernel.map { "\($0.localAddress):\($0.localPort)>\($0.remoteAddress):\($0.remotePort)" })
        let connection = try waitUntil(
            "the daemon's subflows equal ss's", timeout: .seconds(5),
            observe: {
                let list = try ControlClientTool.json(["connections", "--socket", socket, "--json"])
                return (list["connections"] as? [[String: Any]] ?? [])
            },
            until: { list in
                list.count == 1 && Set(ControlClientTool.tuples(list[0])) == kernelTuples
            })[0]
        #expect(kernel.count == 4)
        #expect(connection["token"] as? Int == Int(token))
        #expect(connection["side"] as? String == "client")
        #expect(connection["policy"] as? String == "fullmesh")
        #expect(connection["established"] as? Bool == true)
        #expect(connection["stale"] as? Bool == false)
        let age = try #require(connection["age_seconds"] as? Double)
        #expect(age > 0 && age < 60)
        let subflows = try #require(connection["subflows"] as? [[String: Any]])
        #expect(subflows.count == kernel.count)
        #expect(subflows.allSatisfy { $0["local_id"] is Int && $0["remote_id"] is Int && $0["backup"] is Bool })
        let announced = connection["announced_by_peer"] as? [[String: Any]] ?? []
        #expect(announced.count == 1, "the server announced its path-B address: \(connection)")

        // The text forms say the same.
        let text = try ControlClientTool.run(["connections", "--socket", socket])
        #expect(text.status == 0, "\(text)")
        #expect(
            text.stdout.contains("token \(token) client") && text.stdout.contains("policy fullmesh"), "\(text.stdout)")
        #expect(text.stdout.components(separatedBy: "  subflow ").count - 1 == 4, "\(text.stdout)")
        let statusText = try ControlClientTool.run(["status", "--socket", socket])
        #expect(statusText.status == 0 && statusText.stdout.contains("fullmesh (API \(api), default)"), "\(statusText)")
        #expect(daemon.isRunning)
    }

    // MARK: permissions

    /// The socket is root's, mode 0600; `nobody` cannot even connect. With the file mode
    /// loosened behind the daemon's back, its credential check still refuses `nobody`.
    @Test func theSocketIsForRootOnly() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let socket = ControlClientTool.socketPath(bed)
        let namespace = try bed.addNamespace("solo", sysctls: Self.userspace)
        let daemon = try bed.startDaemon(in: namespace, ["--control-socket", socket])

        let attributes = try FileManager.default.attributesOfItem(atPath: socket)
        #expect(attributes[.type] as? FileAttributeType == .typeSocket)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.ownerAccountID] as? Int) == 0)

        let byFileMode = try ControlClientTool.run(["status", "--socket", socket], as: "nobody", in: bed)
        #expect(byFileMode.status == 77, "\(byFileMode)")
        #expect(byFileMode.stderr.contains("permission denied"), "\(byFileMode)")

        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: socket)
        let byCredentials = try ControlClientTool.run(["status", "--socket", socket], as: "nobody", in: bed)
        #expect(byCredentials.status == 77, "\(byCredentials)")
        #expect(byCredentials.stderr.contains("uid 65534 may not use the subflowd control socket"), "\(byCredentials)")

        let status = try ControlClientTool.json(["status", "--socket", socket, "--json"])
        #expect((status["control"] as? [String: Any])?["clients_refused"] as? Int == 1, "\(status)")
        #expect(daemon.stderr.contains("control socket: refused pid"), "the refusal is logged")
    }

    /// With --control-group, the socket is 0660 and that group's members are let in.
    @Test func aControlGroupIsLetIn() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let socket = ControlClientTool.socketPath(bed)
        let namespace = try bed.addNamespace("solo", sysctls: Self.userspace)
        _ = try bed.startDaemon(in: namespace, ["--control-socket", socket, "--control-group", "nogroup"])

        let attributes = try FileManager.default.attributesOfItem(atPath: socket)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)
        #expect((attributes[.groupOwnerAccountName] as? String) == "nogroup")
        let member = try ControlClientTool.run(
            ["status", "--socket", socket, "--json"], as: "nobody", group: "nogroup", in: bed)
        #expect(member.status == 0, "\(member)")
    }

    /// Protocol details a script relies on: several requests on one connection answered in
    /// order with their ids, and bad requests answered, not fatal.
    @Test func badRequestsGetAnswers() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let socket = ControlClientTool.socketPath(bed)
        let namespace = try bed.addNamespace("solo", sysctls: Self.userspace)
        let daemon = try bed.startDaemon(in: namespace, ["--control-socket", socket])

        let client = try RawUnixClient(path: socket)
        try client.send(
            "{\"command\":\"status\",\"id\":7}\nnot json\n{\"command\":\"reboot\"}\n[1]\n{\"id\":\"x\",\"command\":\"connections\"}\n"
        )
        let answers = try (0..<5).map { _ in try #require(try client.readJSONLine(timeout: 5)) }
        #expect(
            answers[0]["ok"] as? Bool == true && answers[0]["id"] as? Int == 7
                && answers[0]["command"] as? String == "status")
        #expect(answers[1]["ok"] as? Bool == false && answers[1]["code"] as? String == "bad_request")
        #expect(answers[2]["code"] as? String == "unknown_command")
        #expect((answers[2]["error"] as? String)?.contains("status, connections, metrics, monitor") == true)
        #expect(answers[3]["code"] as? String == "bad_request")
        #expect(answers[4]["ok"] as? Bool == true && answers[4]["id"] as? String == "x")
        #expect(daemon.isRunning)
    }

    // MARK: monitor

    /// A monitor sees a new connection's SUB_ESTABLISHED events and fullmesh's SUBFLOW_CREATE
    /// commands with the kernel's answers, in JSON and in text.
    @Test func monitorShowsJoinsOfANewConnection() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let socket = ControlClientTool.socketPath(bed)
        let net = try TwoPathTopology(bed, clientSysctls: Self.userspace)
        try bed.check(net.server, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        let daemon = try bed.startDaemon(in: net.client, ["--control-socket", socket])
        let json = try bed.spawn(
            nil, [try ControlClientTool.path, "monitor", "--socket", socket, "--json"], name: "monitor-json")
        let text = try bed.spawn(
            nil, [try ControlClientTool.path, "monitor", "--socket", socket], name: "monitor-text")
        try waitUntil(
            "two monitors connected", timeout: .seconds(5),
            observe: {
                try ControlClientTool.json(["status", "--socket", socket, "--json"])["control"] as? [String: Any]
            }, until: { $0?["monitors"] as? Int == 2 })

        _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201, ["--seconds", "1", "--hold", "10"])
        let token = try #require(
            try waitUntil(
                "client connected", timeout: .seconds(5),
                observe: {
                    client.trafficRecords.first { $0.type == "connected" }?.token
                }, until: { $0 != nil }))

        let lines = try waitUntil(
            "a join in the monitor", timeout: .seconds(8),
            observe: {
                json.stdoutLines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                    .filter { $0["token"] as? Int == Int(token) }
            },
            until: { lines in
                lines.contains { $0["type"] as? String == "event" && $0["event"] as? String == "SUB_ESTABLISHED" }
                    && lines.contains {
                        $0["type"] as? String == "command" && $0["command"] as? String == "SUBFLOW_CREATE"
                    }
                    && lines.contains {
                        $0["type"] as? String == "result" && $0["command"] as? String == "SUBFLOW_CREATE"
                            && $0["result"] as? String == "ok"
                    }
            })
        let created = try #require(
            lines.first { $0["type"] as? String == "event" && $0["event"] as? String == "CREATED" })
        #expect((created["text"] as? String)?.hasPrefix("[CREATED] token=\(token)") == true, "\(created)")
        let command = try #require(lines.first { $0["type"] as? String == "command" })
        #expect(command["policy"] as? String == "fullmesh")
        #expect((command["decision"] as? String)?.hasPrefix("create-subflow token=\(token)") == true, "\(command)")
        // Order: the command goes out before its answer comes back.
        let commandIndex = lines.firstIndex { $0["type"] as? String == "command" }!
        let resultIndex = lines.firstIndex { $0["type"] as? String == "result" }!
        #expect(commandIndex < resultIndex)

        try waitUntil(
            "text monitor lines", timeout: .seconds(5), observe: { text.stdout },
            until: {
                $0.contains("event   [SF_ESTABLISHED] token=\(token)")
                    && $0.contains("command fullmesh [SUBFLOW_CREATE] token=\(token)")
                    && $0.contains("=> ok")
            })
        #expect(daemon.isRunning)
    }

    /// A monitor that stops reading while the daemon is busy is dropped with a final notice;
    /// meanwhile the daemon answers other clients at once and still manages new connections.
    @Test func aSlowMonitorDoesNotStallTheDaemon() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let socket = ControlClientTool.socketPath(bed)
        let net = try TwoPathTopology(bed, clientSysctls: Self.userspace)
        try bed.check(net.server, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        let daemon = try bed.startDaemon(in: net.client, ["--control-socket", socket, "--log-level", "info"])

        let slow = try RawUnixClient(path: socket)
        try slow.send("{\"command\":\"monitor\"}\n")
        try waitUntil(
            "the slow monitor is registered", timeout: .seconds(5),
            observe: {
                try ControlClientTool.json(["status", "--socket", socket, "--json"])["control"] as? [String: Any]
            }, until: { $0?["monitors"] as? Int == 1 })

        // Bursts of address changes (400 network events each) for the monitor stream, until
        // the slow monitor has been dropped: far more than a socket buffer and the monitor
        // backlog hold. Each burst is paced so that the daemon's rtnetlink socket does not
        // overrun (which would be another test); on a loaded machine, where the daemon may
        // still lose some (and resynchronise instead of reporting each change), more bursts
        // are sent — the test waits on the drop, not on a count of events.
        // (Each status must be answered within subflowctl's own 10 s: answers come at once
        // although the monitor reads nothing.)
        var dropped = false
        for chunk in 0..<60 where !dropped {
            let file = bed.workDirectory.appendingPathComponent("flood-\(chunk).batch")
            let addresses = (1...200).map { "198.19.\(chunk).\($0)/32 dev \(net.pathA.clientInterface)" }
            try (addresses.map { "address add \($0)" } + addresses.map { "address del \($0)" } + [""])
                .joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            try bed.check(net.client, ["bash", "-c", "ip -batch \(file.path); sleep 0.05"], timeout: .seconds(60))
            let control =
                try ControlClientTool.json(["status", "--socket", socket, "--json"])["control"] as? [String: Any]
            dropped = control?["monitors_dropped"] as? Int == 1
        }
        try waitUntil(
            "the slow monitor dropped", timeout: .seconds(30),
            observe: {
                try ControlClientTool.json(["status", "--socket", socket, "--json"])
            }, until: { ($0["control"] as? [String: Any])?["monitors_dropped"] as? Int == 1 })

        // The stream the slow client finally reads ends with the notice, then the daemon hangs up.
        let drained = try slow.readAll(timeout: 60)
        let last = try #require(drained.split(separator: "\n").last.map(String.init))
        let notice = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "\(last)")
        #expect(notice["type"] as? String == "dropped", "\(last)")
        #expect((notice["reason"] as? String)?.contains("fell behind") == true)
        for line in drained.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "torn line: \(line.prefix(120))")
        }
        #expect(daemon.stderr.contains("dropped monitor"), "the drop is logged")
        try waitUntil(
            "the flood applied and the monitor gone", timeout: .seconds(90),
            observe: {
                try ControlClientTool.json(["status", "--socket", socket, "--json"])
            },
            until: {
                ($0["control"] as? [String: Any])?["monitors"] as? Int == 0 && $0["usable_local_addresses"] as? Int == 4
            })

        // Path management went on: a new connection gets its join on path B.
        _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201, ["--seconds", "1", "--hold", "10"])
        let token = try #require(
            try waitUntil(
                "client connected", timeout: .seconds(5),
                observe: {
                    client.trafficRecords.first { $0.type == "connected" }?.token
                }, until: { $0 != nil }))
        try waitUntil(
            "2 subflows", timeout: .seconds(8),
            observe: {
                try KernelProbe.establishedSubflows(bed, in: net.client, token: token)
            }, until: { $0.count == 2 })
        #expect(daemon.isRunning)
    }

    // MARK: metrics

    /// `subflowctl metrics` and GET /metrics (loopback, from `--metrics-listen :PORT`) both
    /// serve valid Prometheus text with the expected families and values.
    @Test func metricsParseAsPrometheusTextOverTheSocketAndHTTP() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let socket = ControlClientTool.socketPath(bed)
        let port = Int.random(in: 20_000...40_000)
        let (net, _, _) = try runningMesh(bed, ["--control-socket", socket, "--metrics-listen", ":\(port)"])

        let listening = try bed.check(net.client, ["ss", "-ltnH"]).stdout
        #expect(listening.contains("127.0.0.1:\(port) "), "':PORT' binds loopback: \(listening)")

        // The daemon counts a subflow once its SUB_ESTABLISHED arrived, a moment after ss sees it.
        let viaSocket = try waitUntil(
            "metrics with 4 subflows", timeout: .seconds(5),
            observe: { () throws -> PrometheusText in
                let result = try ControlClientTool.run(["metrics", "--socket", socket])
                guard result.succeeded else { throw CommandFailed(result: result) }
                return try PrometheusText.parse(result.stdout)
            }, until: { (metrics: PrometheusText) in metrics.value("subflowd_subflows", [:]) == 4 })
        Self.checkFamilies(viaSocket)

        let http = try bed.check(
            net.client,
            [
                "bash", "-c",
                """
                exec 3<>/dev/tcp/127.0.0.1/\(port) && printf 'GET /metrics HTTP/1.1\\r\\nHost: subflowd\\r\\n\\r\\n' >&3 && cat <&3
                """,
            ], timeout: .seconds(10)
        ).stdout
        let split = try #require(http.range(of: "\r\n\r\n"), "\(http)")
        let (head, body) = (String(http[..<split.lowerBound]), String(http[split.upperBound...]))
        #expect(head.hasPrefix("HTTP/1.1 200 OK"), "\(head)")
        #expect(head.contains("Content-Type: text/plain; version=0.0.4"), "\(head)")
        #expect(head.contains("Content-Length: \(body.utf8.count)"), "\(head)")
        let viaHTTP = try PrometheusText.parse(body)
        Self.checkFamilies(viaHTTP)
        #expect(Set(viaHTTP.types.keys) == Set(viaSocket.types.keys))

        let missing = try bed.check(
            net.client,
            [
                "bash", "-c",
                """
                exec 3<>/dev/tcp/127.0.0.1/\(port) && printf 'GET /other HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3
                """,
            ], timeout: .seconds(10)
        ).stdout
        #expect(missing.hasPrefix("HTTP/1.1 404"), "\(missing)")
    }

    static func checkFamilies(_ metrics: PrometheusText) {
        for family in [
            "subflowd_events_total", "subflowd_commands_total", "subflowd_command_errors_total",
            "subflowd_subflows_requested_total", "subflowd_subflow_requests_failed_total",
            "subflowd_connections", "subflowd_subflows", "subflowd_usable_local_addresses",
            "subflowd_policy_loaded", "subflowd_uptime_seconds",
        ] {
            #expect(metrics.types[family] != nil, "no \(family)")
        }
        #expect(metrics.value("subflowd_connections", ["policy": "fullmesh"]) == 1)
        #expect(metrics.value("subflowd_subflows", [:]) == 4)
        #expect(metrics.value("subflowd_events_total", ["type": "CREATED"]) == 1)
        #expect((metrics.value("subflowd_events_total", ["type": "SUB_ESTABLISHED"]) ?? 0) >= 3)
        #expect((metrics.value("subflowd_commands_total", ["command": "SUBFLOW_CREATE", "result": "ok"]) ?? 0) >= 3)
        #expect((metrics.value("subflowd_subflows_requested_total", [:]) ?? 0) >= 3)
        #expect(metrics.value("subflowd_usable_local_addresses", ["family": "ipv4"]) == 2)
        #expect((metrics.value("subflowd_uptime_seconds", [:]) ?? 0) > 0)
        let loaded = metrics.samples.filter { $0.name == "subflowd_policy_loaded" }
        #expect(
            loaded.count == 1 && loaded[0].labels["policy"] == "fullmesh" && loaded[0].labels["api_version"] != nil
                && loaded[0].value == 1, "\(loaded)")
    }

    // MARK: helpers

    /// A 2 × 2 fullmesh: server announcing its path-B address, subflowd with `extra` options,
    /// one long-lived connection with its 4 subflows up (counted by ss).
    func runningMesh(_ bed: Testbed, _ extra: [String]) throws -> (TwoPathTopology, BackgroundProcess, UInt32) {
        let net = try TwoPathTopology(bed, clientSysctls: Self.userspace)
        try bed.check(net.server, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        try bed.check(
            net.server,
            ["ip", "mptcp", "endpoint", "add", net.pathB.serverIPv4, "dev", net.pathB.serverInterface, "signal"])
        let daemon = try bed.startDaemon(in: net.client, extra)
        _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201, ["--seconds", "1", "--hold", "20"])
        let token = try #require(
            try waitUntil(
                "client connected", timeout: .seconds(5),
                observe: {
                    client.trafficRecords.first { $0.type == "connected" }?.token
                }, until: { $0 != nil }))
        do {
            try waitUntil(
                "4 subflows", timeout: .seconds(8),
                observe: {
                    try KernelProbe.establishedSubflows(bed, in: net.client, token: token)
                }, until: { $0.count == 4 })
        } catch {
            Issue.record("\(error)\n--- subflowd log ---\n\(daemon.stderr)")
            throw error
        }
        return (net, daemon, token)
    }
}

// MARK: - subflowctl and raw clients

/// Running `subflowctl` against a control socket, as root or as another user.
enum ControlClientTool {
    static var path: String { get throws { try BuiltProducts.path("subflowctl") } }

    /// A socket path inside the testbed's work directory (reachable by `nobody`: 0755 dirs).
    static func socketPath(_ bed: Testbed) -> String { bed.workDirectory.appendingPathComponent("control.sock").path }

    /// `subflowctl ARGS`, as root.
    static func run(_ arguments: [String]) throws -> CommandResult {
        try Command.run([try path] + arguments, timeout: .seconds(20))
    }

    /// `subflowctl ARGS` as `user` (setpriv, supplementary groups cleared), run from a copy in
    /// `bed`'s work directory that the user can reach wherever the checkout lives.
    static func run(
        _ arguments: [String], as user: String, group: String = "nogroup", in bed: Testbed
    ) throws -> CommandResult {
        try Command.run(
            asUser(user, group: group, [try ToolsForOtherUsers.copy("subflowctl", into: bed)] + arguments),
            timeout: .seconds(20))
    }

    /// `arguments` prefixed to run as `user` and `group` with no supplementary groups.
    static func asUser(_ user: String, group: String = "nogroup", _ arguments: [String]) -> [String] {
        ["setpriv", "--reuid=\(user)", "--regid=\(group)", "--clear-groups"] + arguments
    }

    /// `subflowctl ARGS --json`, parsed; throws unless it succeeded.
    static func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try run(arguments)
        guard result.succeeded else { throw CommandFailed(result: result) }
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw CommandFailed(result: result)
        }
        return object
    }

    /// `local:port>remote:port` of each subflow in a `connections` entry.
    static func tuples(_ connection: [String: Any]) -> [String] {
        (connection["subflows"] as? [[String: Any]] ?? []).map { subflow in
            func endpoint(_ key: String) -> String {
                let e = subflow[key] as? [String: Any]
                return "\(e?["address"] as? String ?? "?"):\(e?["port"] as? Int ?? -1)"
            }
            return "\(endpoint("local"))>\(endpoint("remote"))"
        }
    }
}

/// A bare client of the control socket, for what subflowctl never does: pipelining requests,
/// sending garbage, and not reading.
final class RawUnixClient {
    let fd: Int32
    private var buffer = Data()

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count
        else {
            throw POSIXError(.EIO)
        }
    }

    /// The next line as a JSON object (nil at end of stream).
    func readJSONLine(timeout seconds: Double) throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[buffer.index(after: newline)...])
                return try JSONSerialization.jsonObject(with: line) as? [String: Any]
            }
            guard try receive(until: deadline) else { return nil }
        }
    }

    /// Everything until the daemon closes the connection.
    func readAll(timeout seconds: Double) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while try receive(until: deadline) {}
        return String(decoding: buffer, as: UTF8.self)
    }

    /// One read; false at end of stream. Throws on timeout.
    private func receive(until deadline: Date) throws -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
        guard poll(&entry, 1, left) > 0 else { throw POSIXError(.ETIMEDOUT) }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }
}

// MARK: - Prometheus text, read strictly

/// A strict reader of the Prometheus text exposition format (0.0.4): every line is a HELP, a
/// TYPE or a sample `name{label="value",…} value`; names and label names are valid; every
/// sample belongs to a family declared by a TYPE line before it; families are not split; no
/// series appears twice; counters are named `_total` and never negative.
struct PrometheusText {
    struct Sample: CustomStringConvertible {
        var name: String
        var labels: [String: String]
        var value: Double
        var description: String { "\(name)\(labels) \(value)" }
    }

    struct Invalid: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var text: String
        var description: String { "line \(line): \(reason): \(text)" }
    }

    private(set) var types: [String: String] = [:]
    private(set) var samples: [Sample] = []

    func value(_ name: String, _ labels: [String: String]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    static func parse(_ text: String) throws -> PrometheusText {
        var result = PrometheusText()
        var helps: Set<String> = []
        var finished: Set<String> = []
        var current: String?
        var series: Set<String> = []
        guard text.hasSuffix("\n") else { throw Invalid(line: 0, reason: "no final newline", text: "") }
        for (index, line) in text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            func invalid(_ reason: String) -> Invalid { Invalid(line: number, reason: reason, text: String(line)) }
            func enter(_ family: String) throws {
                if current != family {
                    if finished.contains(family) { throw invalid("family \(family) split in two") }
                    if let current { finished.insert(current) }
                    current = family
                }
            }
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard words.count >= 3, isMetricName(words[2]) else { throw invalid("bad metric name") }
                let name = String(words[2])
                try enter(name)
                if words[1] == "HELP" {
                    guard helps.insert(name).inserted else { throw invalid("second HELP") }
                } else {
                    guard words.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(words[3])
                    else {
                        throw invalid("bad TYPE")
                    }
                    guard result.types[name] == nil else { throw invalid("second TYPE") }
                    guard !result.samples.contains(where: { $0.name == name }) else {
                        throw invalid("TYPE after samples")
                    }
                    result.types[name] = String(words[3])
                }
                continue
            }
            guard !line.hasPrefix("#"), !line.isEmpty else { throw invalid("not a sample, HELP or TYPE line") }
            let sample = try parseSample(line, invalid)
            guard let type = result.types[sample.name] else { throw invalid("sample without a TYPE") }
            try enter(sample.name)
            if type == "counter" {
                guard sample.name.hasSuffix("_total") else { throw invalid("counter not named _total") }
                guard sample.value >= 0 else { throw invalid("negative counter") }
            }
            let key = sample.name + sample.labels.sorted { $0.key < $1.key }.description
            guard series.insert(key).inserted else { throw invalid("duplicate series") }
            result.samples.append(sample)
        }
        return result
    }

    private static func parseSample(_ line: Substring, _ invalid: (String) -> Invalid) throws -> Sample {
        var rest = line[...]
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
        guard isMetricName(name) else { throw invalid("bad metric name") }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let label = rest.prefix { $0 != "=" }
                guard isLabelName(label), labels[String(label)] == nil else {
                    throw invalid("bad or repeated label name")
                }
                rest = rest.dropFirst(label.count)
                guard rest.hasPrefix("=\"") else { throw invalid("label without =\"") }
                rest = rest.dropFirst(2)
                var value = ""
                while let c = rest.first, c != "\"" {
                    rest = rest.dropFirst()
                    if c == "\\" {
                        switch rest.first {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw invalid("bad escape in a label value")
                        }
                        rest = rest.dropFirst()
                    } else {
                        value.append(c)
                    }
                }
                guard rest.first == "\"" else { throw invalid("unterminated label value") }
                rest = rest.dropFirst()
                labels[String(label)] = value
                if rest.first == "," {
                    rest = rest.dropFirst()
                } else if rest.first != "}" {
                    throw invalid("expected , or }")
                }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw invalid("no space before the value") }
        let fields = rest.dropFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), let value = number(fields[0]) else { throw invalid("bad value") }
        if fields.count == 2, Int64(fields[1]) == nil { throw invalid("bad timestamp") }
        return Sample(name: String(name), labels: labels, value: value)
    }

    private static func number(_ text: Substring) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            return text.isEmpty || text.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) ? nil : Double(text)
        }
    }

    static func isMetricName(_ name: Substring) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" || first == ":" else {
            return false
        }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }

    static func isLabelName(_ name: Substring) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
