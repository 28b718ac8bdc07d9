import MPTCPWire
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// One command a policy issued during a replay, with the answer it got.
public struct ReplayedCommand: Sendable {
    public var offsetMilliseconds: UInt64
    public var policy: String
    public var command: MPTCPCommand
    public var result: CommandResult

    /// `+1.234s fullmesh [SUBFLOW_CREATE] token=… local=(…) remote=(…) => ok`: one stable line.
    public var line: String {
        "\(Self.seconds(offsetMilliseconds)) \(policy) \(command) => \(Self.describe(result))"
    }

    /// The same as one JSON object.
    public var json: String {
        var fields = [
            "\"t\":\(Self.decimal(offsetMilliseconds))", "\"policy\":\(JSONValue.string(policy).text)",
            "\"command\":\(JSONValue.string(command.number.name).text)",
            "\"text\":\(JSONValue.string(command.description).text)",
        ]
        if let token = command.token { fields.append("\"token\":\(token.rawValue)") }
        switch result {
        case .success: fields.append("\"result\":\"ok\"")
        case .failure(let error):
            fields.append("\"result\":\"error\"")
            fields.append("\"errno\":\(error.errno)")
            if let message = error.message { fields.append("\"message\":\(JSONValue.string(message).text)") }
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func describe(_ result: CommandResult) -> String {
        switch result {
        case .success: return "ok"
        case .failure(let error): return "\(error)"
        }
    }

    public static func seconds(_ milliseconds: UInt64) -> String { "+\(decimal(milliseconds))s" }

    static func decimal(_ milliseconds: UInt64) -> String {
        "\(milliseconds / 1000).\(String(1000 + milliseconds % 1000).dropFirst())"
    }
}
