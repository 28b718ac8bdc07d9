import ArgumentParser
import SubflowSystem
import SubflowTrace

struct TraceBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Turn a hand-written scenario (see docs/scenarios.md) into a trace that replays like a recording.")

    @Argument(help: "The scenario file.")
    var scenario: String

    @Option(name: .shortAndLong, help: "The pcap file to write.")
    var output: String

    func run() throws {
        let text: String
        do { text = try TextFile.read(scenario, limit: 256 << 20) } catch {
            throw ValidationError("\(scenario): \(error.message)")
        }
        let records: [TraceRecord]
        do { records = try Scenario.build(text) } catch { throw CleanExit.failure("\(scenario):\(error)") }
        try TraceFiles.write(records, to: output)
        StandardStream.error.writeLine("subflowctl: wrote \(records.count) records to \(output)")
    }
}
