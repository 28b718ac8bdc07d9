import ArgumentParser
import SubflowSystem

/// `subflowctl metrics`: the daemon's Prometheus metrics, through the control socket.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract:
            "Print subflowd's metrics in the Prometheus text format (the same as GET /metrics on --metrics-listen).")

    @OptionGroup var control: ControlSocketOption

    @Flag(name: .long, help: "Print the daemon's answer as one JSON object instead of the text.")
    var json = false

    func run() throws {
        let result = try ControlConnection.open(control).request("metrics")
        if json { StandardStream.output.writeLine(result.text); return }
        var text = result["text"]?.stringValue ?? ""
        if text.hasSuffix("\n") { text.removeLast() }
        StandardStream.output.writeLine(text)
    }
}
