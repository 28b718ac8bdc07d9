import ArgumentParser
import SubflowFormats
import SubflowSystem

/// `subflowctl status`: what the running daemon is and has done.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Show the running subflowd: policies and their API version, the kernel's path-manager mode, uptime, counters, live connections."
    )

    @OptionGroup var control: ControlSocketOption

    @Flag(name: .long, help: "Print the daemon's answer as one JSON object (docs/control.md).")
    var json = false

    func run() throws {
        let status = try ControlConnection.open(control).request("status")
        if json { return print(status) }
        for line in Self.lines(status) { StandardStream.output.writeLine(line) }
    }

    private func print(_ value: JSONValue) { StandardStream.output.writeLine(value.text) }

    static func lines(_ s: JSONValue) -> [String] {
        let c = s["counters"]
        func n(_ value: JSONValue?) -> Int64 { value?.intValue ?? 0 }
        let policies = (s["policies"]?.arrayValue ?? []).map { p in
            "\(p["name"]?.stringValue ?? "?") (API \(n(p["api_version"]))\(p["default"]?.boolValue == true ? ", default" : ""))"
        }
        let byKind = (c?["commands_by_kind"]?.arrayValue ?? []).map {
            "\($0["command"]?.stringValue ?? "?") \($0["result"]?.stringValue ?? "?") \(n($0["count"]))"
        }
        let errors = (c?["command_errors"]?.arrayValue ?? []).map {
            "\($0["name"]?.stringValue ?? "?") \(n($0["count"]))"
        }
        let atStart = s["path_manager_at_start"]?.stringValue ?? "?"
        let now = s["path_manager"]?.stringValue ?? "?"
        var lines = [
            "subflowd \(s["version"]?.stringValue ?? "?") (pid \(n(s["pid"]))), up \(ControlText.duration(s["uptime_seconds"]?.doubleValue ?? 0)), policy API \(n(s["api_version"]))",
            "path manager:     \(now)" + (atStart.hasPrefix(now) ? "" : " (at start: \(atStart))"),
            "policies:         \(policies.joined(separator: ", "))",
        ]
        let rules = (s["rules"]?.arrayValue ?? []).compactMap(\.stringValue)
        if !rules.isEmpty { lines.append("rules:            \(rules.joined(separator: "; "))") }
        lines += [
            "connections:      \(n(s["connections"])) (\(n(s["subflows"])) subflows, \(n(s["stale_connections"])) stale)",
            "local addresses:  \(n(s["usable_local_addresses"])) usable",
            "events:           \(ControlText.counts(c?["events"]?.objectValue))",
            "commands:         \(n(c?["commands_sent"])) sent, \(n(c?["commands_failed"])) failed"
                + (byKind.isEmpty ? "" : ": \(byKind.joined(separator: ", "))"),
            "command errors:   \(errors.isEmpty ? "none" : errors.joined(separator: ", "))",
            "subflows:         \(n(c?["subflows_requested"])) requested, \(n(c?["subflow_requests_failed"])) refused, "
                + "\(n(c?["subflows_failed"])) failed after creation",
            "trouble:          \(n(c?["event_overruns"])) event overruns, \(n(c?["malformed_messages"])) malformed messages, "
                + "\(n(c?["events_unknown_connection"])) events for unknown connections, \(n(c?["connections_vanished"])) connections vanished",
            "resyncs:          \(n(c?["event_resyncs"])) after lost events (\(n(c?["event_resync_failures"])) failed): "
                + "\(n(c?["connections_adopted_by_resync"])) connections adopted, \(n(c?["connections_dropped_by_resync"])) dropped; "
                + "\(n(c?["reply_overruns"])) reply overruns, \(n(c?["commands_unanswered"])) commands unanswered",
            "control:          \(n(s["control"]?["clients"])) clients, \(n(s["control"]?["monitors"])) monitors "
                + "(\(n(s["control"]?["monitors_dropped"])) dropped), \(n(s["control"]?["clients_refused"])) refused",
        ]
        return lines + findingLines(s["findings"]?.arrayValue)
    }

    /// The daemon's doctor findings, worst first, each with its fix (`subflowctl doctor` shows
    /// the evidence too). An older daemon without the field prints nothing here.
    static func findingLines(_ findings: [JSONValue]?) -> [String] {
        guard let findings else { return [] }
        guard !findings.isEmpty else { return ["findings:         none (subflowctl doctor for details)"] }
        let rank = ["problem": 0, "warning": 1, "info": 2]
        let sorted = findings.enumerated().sorted {
            (rank[$0.element["severity"]?.stringValue ?? ""] ?? 3, $0.offset)
                < (rank[$1.element["severity"]?.stringValue ?? ""] ?? 3, $1.offset)
        }
        var lines = ["findings:         \(findings.count) (subflowctl doctor for the evidence)"]
        for (_, finding) in sorted {
            let severity = (finding["severity"]?.stringValue ?? "?").uppercased()
            lines.append(
                "  \(severity) \(finding["id"]?.stringValue ?? "?"): \(finding["summary"]?.stringValue ?? "")")
            if let fix = finding["fix"]?.stringValue { lines.append("    fix: \(fix)") }
        }
        return lines
    }
}
