import ArgumentParser
import SubflowFormats
import SubflowSystem

/// `subflowctl connections`: every MPTCP connection the daemon follows, with its subflows.
struct ConnectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract:
            "List the MPTCP connections subflowd follows: token, endpoints, side, policy, subflows with address IDs and backup flag, age, last error."
    )

    @OptionGroup var control: ControlSocketOption

    @Flag(name: .long, help: "Print the daemon's answer as one JSON object (docs/control.md).")
    var json = false

    func run() throws {
        let result = try ControlConnection.open(control).request("connections")
        if json { StandardStream.output.writeLine(result.text); return }
        let connections = result["connections"]?.arrayValue ?? []
        if connections.isEmpty { StandardStream.output.writeLine("no connections"); return }
        for connection in connections {
            for line in Self.lines(connection) { StandardStream.output.writeLine(line) }
        }
    }

    static func lines(_ c: JSONValue) -> [String] {
        var flags: [String] = []
        if c["established"]?.boolValue != true { flags.append("not established") }
        if c["stale"]?.boolValue == true { flags.append("STALE: events were lost") }
        if c["deny_join_initial_endpoint"]?.boolValue == true {
            flags.append("peer denies joins to its initial endpoint")
        }
        let age = c["age_seconds"]?.doubleValue.map { ControlText.duration($0) } ?? "unknown"
        var lines = [
            "token \(c["token"]?.intValue ?? 0) \(c["side"]?.stringValue ?? "?") "
                + "\(ControlText.endpoint(c["local"])) -> \(ControlText.endpoint(c["remote"])) "
                + "policy \(c["policy"]?.stringValue ?? "none"), age \(age)"
                + (flags.isEmpty ? "" : " (\(flags.joined(separator: "; ")))")
        ]
        for subflow in c["subflows"]?.arrayValue ?? [] {
            lines.append("  subflow " + describe(subflow))
        }
        for (label, key) in [("peer announced", "announced_by_peer"), ("announced", "announced_locally")] {
            let entries = (c[key]?.arrayValue ?? []).map {
                "id \($0["id"]?.intValue ?? 0) \(ControlText.endpoint($0["endpoint"]))"
            }
            if !entries.isEmpty { lines.append("  \(label): \(entries.joined(separator: ", "))") }
        }
        if let failed = c["last_error"], !failed.isNull {
            var why: [String] = []
            if let name = failed["error_name"]?.stringValue { why.append(name) }
            if let reason = failed["reset_reason"]?.intValue { why.append("MPTCP reset reason \(reason)") }
            lines.append(
                "  last failed subflow " + describe(failed) + (why.isEmpty ? "" : ": \(why.joined(separator: ", "))"))
        }
        return lines
    }

    /// `198.18.2.1:40001 (id 1) -> 198.18.1.2:5201 (id 0) backup dev 4`.
    static func describe(_ subflow: JSONValue) -> String {
        "\(ControlText.endpoint(subflow["local"])) (id \(subflow["local_id"]?.intValue ?? 0)) -> "
            + "\(ControlText.endpoint(subflow["remote"])) (id \(subflow["remote_id"]?.intValue ?? 0))"
            + (subflow["backup"]?.boolValue == true ? " backup" : "")
            + (subflow["interface"]?.intValue.map { " dev \($0)" } ?? "")
    }
}
