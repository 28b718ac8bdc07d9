import SubflowConfiguration
import SubflowFormats
import SubflowSystem

/// The control protocol's requests (docs/control.md): `{"command":"status"}` and the like,
/// optionally with an `"id"` that the answer carries back. Every answer has `"ok"`; a good
/// one has the command's `"result"`, a bad one an `"error"` text and a `"code"`:
/// `bad_request`, `unknown_command`, `permission_denied` or `busy`.
package enum ControlRequests {
    package enum Reply {
        /// Send this answer; the connection stays open for more requests.
        case answer(JSONValue)
        /// Send this answer, then the monitor stream.
        case startMonitor(JSONValue)
    }

    static let commands = ["status", "connections", "metrics", "monitor"]

    package static func reply(to line: [UInt8], state: ControlState) -> Reply {
        let request: JSONValue
        do { request = try JSONParser.parse(line) } catch {
            return .answer(failure("the request is not JSON: \(error)", code: "bad_request"))
        }
        guard case .object = request else {
            return .answer(
                failure("the request must be a JSON object such as {\"command\":\"status\"}", code: "bad_request"))
        }
        let id = request["id"]
        guard let command = request["command"]?.stringValue else {
            return .answer(
                failure(
                    "the request has no \"command\"; known: \(commands.joined(separator: ", "))", code: "bad_request",
                    id: id))
        }
        switch command {
        case "status":
            return .answer(success(command, StatusReport.json(state), id: id))
        case "connections":
            return .answer(success(command, ["connections": ConnectionsReport.json(state)], id: id))
        case "metrics":
            return .answer(
                success(
                    command,
                    [
                        "content_type": .string(PrometheusExposition.contentType),
                        "text": .string(MetricsReport.text(state)),
                    ], id: id))
        case "monitor":
            return .startMonitor(success(command, ["streaming": true], id: id))
        default:
            return .answer(
                failure(
                    "unknown command '\(command)'; known: \(commands.joined(separator: ", "))", code: "unknown_command",
                    id: id))
        }
    }

    static func success(_ command: String, _ result: JSONValue, id: JSONValue? = nil) -> JSONValue {
        var object: JSONObject = ["ok": true, "command": .string(command)]
        if let id { object["id"] = id }
        object["result"] = result
        return .object(object)
    }

    static func failure(_ message: String, code: String, id: JSONValue? = nil) -> JSONValue {
        var object: JSONObject = ["ok": false]
        if let id { object["id"] = id }
        object["code"] = .string(code)
        object["error"] = .string(message)
        return .object(object)
    }
}
