import FuzzSupport
import SubflowFormats
import SubflowSystem
import SubflowTrace

/// pcap files (`subflowctl trace show`/`replay`): read, write back and read again to the same
/// records, then print every record (`trace show --json`) and replay it (`subflowctl replay`'s
/// decoder, connection and network state and simulated kernel; no policy: one costs 40 times
/// the rest of the target, the scenario library's replay tests cover the policies).
@main
enum PcapFuzz {
    static func main() {
        let replay = ReplaySession(policies: [])
        FuzzDriver.run { bytes in
            guard let records = try? PcapReader.records(from: bytes) else { return }
            var file = PcapFormat.globalHeader()
            for record in records { file += PcapFormat.record(record) }
            do {
                let again = try PcapReader.records(from: file)
                fuzzCheck(again == records, "records do not round-trip through PcapFormat")
            } catch {
                fuzzCheck(false, "a written trace does not read back: \(error)")
            }
            // JSON lines: the same decoding as text, and every line must be JSON.
            var json = TracePrinter(format: .jsonLines)
            var decoder = TraceDecoder()
            let start = records.first?.timestampMicroseconds ?? 0
            for (index, record) in records.enumerated() {
                for line in json.lines(record, number: index + 1, start: start) {
                    fuzzCheck(
                        (try? JSONParser.parse(line)) != nil, "trace show --json wrote a line that is not JSON: \(line)"
                    )
                }
                _ = try? decoder.decode(record, number: index + 1)
            }
            _ = try? replay.run(records)
        }
    }
}
