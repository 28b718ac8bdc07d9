import ArgumentParser
import SubflowFormats
import SubflowSystem

/// `subflowctl monitor`: the live stream of what subflowd handles, until interrupted.
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract:
            "Stream what subflowd handles, live: kernel events (like ip mptcp monitor), network changes, each policy command and the kernel's answer.",
        discussion: """
            Text lines: TIME (UTC) KIND then the details; KIND is event, network, command (sent to \
            the kernel) or result (its answer, or not_sent when subflowd refused it). --json prints \
            the daemon's lines unchanged. subflowd never waits for a slow monitor: one that falls \
            behind is disconnected with a final notice (exit status 75).
            """)

    @OptionGroup var control: ControlSocketOption

    @Flag(name: .long, help: "Print the daemon's JSON lines unchanged (docs/control.md).")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Stop after this many lines of the stream.", valueName: "count"))
    var count: Int?

    func run() throws {
        ProcessSignals.ignoreBrokenPipe()
        let connection = try ControlConnection.open(control)
        _ = try connection.request("monitor")
        var shown = 0
        while count.map({ shown < $0 }) ?? true {
            guard let message = try connection.readLine(timeout: nil) else {
                throw failure("subflowd closed the connection (it stopped?)", ExitStatus.unavailable)
            }
            if message["type"]?.stringValue == "dropped" {
                if json { StandardStream.output.writeLine(message.text) }
                throw failure(message["reason"]?.stringValue ?? "dropped by subflowd", ExitStatus.temporaryFailure)
            }
            guard StandardStream.output.writeLine(json ? message.text : Self.line(message)) else { return }
            shown += 1
        }
    }

    /// `12:00:01.234 event   [SF_ESTABLISHED] token=… (fullmesh)` and the like.
    static func line(_ m: JSONValue) -> String {
        let time = ControlText.timeOfDay(m["time"]?.doubleValue)
        let policy = m["policy"]?.stringValue ?? ""
        let text = m["text"]?.stringValue ?? m["decision"]?.stringValue ?? ""
        switch m["type"]?.stringValue {
        case "event":
            return "\(time) event   \(text)" + (policy.isEmpty ? "" : " (\(policy))")
        case "network":
            return "\(time) network \(text)"
        case "command":
            return "\(time) command \(policy) \(text)  # \(m["decision"]?.stringValue ?? "")"
        case "result":
            let outcome: String
            switch m["result"]?.stringValue {
            case "ok": outcome = "ok"
            case "not_sent": outcome = "not sent: \(m["error"]?.stringValue ?? "?")"
            default: outcome = m["error"]?.stringValue ?? "error"
            }
            return "\(time) result  \(policy) \(text) => \(outcome)"
        default:
            return "\(time) \(m.text)"
        }
    }
}
