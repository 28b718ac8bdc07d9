import FuzzSupport
import SubflowSystem
import SubflowTrace

/// The scenario language (`subflowctl trace build`): any text either builds a trace or fails
/// with a short error naming the line; a built trace always decodes and prints cleanly.
@main
enum ScenarioFuzz {
    static func main() {
        FuzzDriver.run { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            let records: [TraceRecord]
            do throws(ScenarioError) {
                records = try Scenario.build(text)
            } catch {
                fuzzCheck(
                    error.line >= 1 && error.description.utf8.count <= 1_000,
                    "scenario error without a line or too long (\(error.description.utf8.count) bytes)")
                return
            }
            var decoder = TraceDecoder()
            var printer = TracePrinter(format: .text)
            for (index, record) in records.enumerated() {
                do {
                    _ = try decoder.decode(record, number: index + 1)
                } catch {
                    fuzzCheck(false, "a built trace does not decode: \(error)")
                }
                _ = printer.lines(record, number: index + 1, start: records[0].timestampMicroseconds)
            }
            fuzzCheck(printer.malformedMessages == 0, "trace show finds malformed messages in a built trace")
        }
    }
}
