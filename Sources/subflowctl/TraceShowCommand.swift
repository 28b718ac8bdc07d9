import ArgumentParser
import SubflowSystem
import SubflowTrace

struct TraceShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract:
            "Print a trace, one line per netlink message: record number, time, direction (< from the kernel, > to it), protocol and decoded fields."
    )

    @Argument(help: "The pcap file (from subflowd --record or subflowctl trace build).")
    var file: String

    @Flag(name: .long, help: "JSON lines instead of text.")
    var json = false

    func run() throws {
        let records = try TraceFiles.read(file)
        var printer = TracePrinter(format: json ? .jsonLines : .text)
        let start = records.first?.timestampMicroseconds ?? 0
        for (index, record) in records.enumerated() {
            for line in printer.lines(record, number: index + 1, start: start) {
                StandardStream.output.writeLine(line)
            }
        }
        // Every line is printed first (the malformed ones say why); a script must still learn
        // that the trace is not clean.
        if printer.malformedMessages > 0 {
            throw CleanExit.failure(
                "\(file): \(printer.malformedMessages) message(s) could not be decoded (lines marked 'malformed')")
        }
    }
}
