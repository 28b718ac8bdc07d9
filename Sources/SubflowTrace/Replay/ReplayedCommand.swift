import MPTCPWire
import SubflowPolicy

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
        var fields = ["\"t\":\(Self.decimal(offsetMilliseconds))", "\"policy\":\(JSON.string(policy))",
                      "\"command\":\(JSON.string(command.number.name))", "\"text\":\(JSON.string(command.description))"]
        if let token = command.token { fields.append("\"token\":\(token.rawValue)") }
        switch result {
        case .success: fields.append("\"result\":\"ok\"")
        case .failure(let error):
            fields.append("\"result\":\"error\"")
            fields.append("\"errno\":\(error.errno)")
            if let message = error.message { fields.append("\"message\":\(JSON.string(message))") }
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

/// Minimal JSON text (the trace module stays free of Foundation).
enum JSON {
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
