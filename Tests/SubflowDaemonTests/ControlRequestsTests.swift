import Logging
import SubflowCore
import SubflowFormats
import SubflowSimulation
import Testing

@testable import SubflowDaemon

/// The control protocol's answers to one request line (docs/control.md), without a socket:
/// every answer says `ok`, a refusal names its `code` and what to send instead, and the
/// request's `id` comes back whatever its type.
@Suite struct ControlRequestsTests {
    static func state() -> ControlState {
        let scheduler = ManualScheduler()
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        return ControlState(
            manager: PathManager(kernel: SimulatedKernel(scheduler: scheduler), scheduler: scheduler, logger: logger),
            pathManagerAtStart: "userspace")
    }

    /// The answer to `line`, which must not start the monitor stream.
    static func answer(_ line: String) throws -> JSONValue {
        guard case .answer(let answer) = ControlRequests.reply(to: Array(line.utf8), state: state()) else {
            throw StartedTheMonitor(line: line)
        }
        return answer
    }

    struct StartedTheMonitor: Error { var line: String }

    @Test(
        "a request that is not a JSON object, or has no string command, is refused as bad_request saying why",
        arguments: [
            ("{\"command\":", "not JSON"),
            ("", "not JSON"),
            ("[\"status\"]", "must be a JSON object"),
            ("\"status\"", "must be a JSON object"),
            ("{\"id\":1}", "has no \"command\""),
            ("{\"command\":5}", "has no \"command\""),
        ])
    func badRequests(_ line: String, _ reason: String) throws {
        let answer = try Self.answer(line)
        #expect(answer["ok"] == false)
        #expect(answer["code"]?.stringValue == "bad_request")
        #expect(answer["error"]?.stringValue?.contains(reason) == true, "\(answer.text)")
        #expect(answer["result"] == nil)
    }

    @Test("an unknown command is refused as unknown_command naming the known ones, with the request's id")
    func unknownCommand() throws {
        let answer = try Self.answer(#"{"command":"reboot","id":"a-1"}"#)
        #expect(answer["ok"] == false)
        #expect(answer["code"]?.stringValue == "unknown_command")
        #expect(answer["id"]?.stringValue == "a-1")
        let error = try #require(answer["error"]?.stringValue)
        #expect(error.contains("'reboot'"))
        for command in ["status", "connections", "metrics", "monitor"] { #expect(error.contains(command), "\(error)") }
    }

    @Test("a refusal of a request without command still carries its id")
    func idOnARefusal() throws {
        let answer = try Self.answer(#"{"id":{"n":[1,2]}}"#)
        #expect(answer["code"]?.stringValue == "bad_request")
        #expect(answer["id"] == ["n": [1, 2]])
    }

    @Test("status, connections and metrics are answered ok with their result and the id; monitor starts the stream")
    func knownCommands() throws {
        let status = try Self.answer(#"{"command":"status","id":7}"#)
        #expect(status["ok"] == true && status["command"]?.stringValue == "status" && status["id"] == 7)
        #expect(status["result"]?["path_manager_at_start"]?.stringValue == "userspace", "\(status.text)")

        let connections = try Self.answer(#"{"command":"connections"}"#)
        #expect(connections["ok"] == true && connections["id"] == nil)
        #expect(connections["result"]?["connections"]?.arrayValue?.isEmpty == true, "\(connections.text)")

        let metrics = try Self.answer(#"{"command":"metrics"}"#)
        #expect(metrics["result"]?["content_type"]?.stringValue == PrometheusExposition.contentType)
        #expect(metrics["result"]?["text"]?.stringValue?.contains("# TYPE ") == true)

        guard
            case .startMonitor(let monitor) = ControlRequests.reply(
                to: Array(#"{"command":"monitor","id":null}"#.utf8), state: Self.state())
        else {
            Issue.record("monitor did not start the stream"); return
        }
        #expect(monitor["ok"] == true && monitor["result"]?["streaming"] == true)
        #expect(monitor["id"] == .null, "a null id is an id too")
    }
}
