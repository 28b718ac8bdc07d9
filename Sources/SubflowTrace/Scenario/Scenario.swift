import MPTCPWire
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// A hand-written scenario: what a host saw, one statement per line, turned into a trace
/// that replays exactly like a recording. See docs/scenarios.md for the format.
///
///     # comments and blank lines are ignored; "at T" (seconds) sets a statement's time,
///     # otherwise it happens 1 ms after the previous one.
///     link eth0 index 2 up
///     address 198.18.1.1/24 on eth0
///     at 1.0 connection 1 established client 198.18.1.1:40000 -> 198.18.1.2:443
///     peer announces 1 id 2 198.18.2.2:443
///     subflow established 1 198.18.2.1:50000 -> 198.18.1.2:443 local-id 1 remote-id 0
///     subflow closed 1 198.18.2.1:50000 -> 198.18.1.2:443 local-id 1 remote-id 0 error 111
///     peer removes 1 id 2
///     link eth0 down
///     address removed 198.18.1.1/24 on eth0
///     connection 1 closed
///     at 30 idle            # nothing happens; the clock moves (timers fire)
public enum Scenario {
    /// The family ID and events group written into built traces (any values work: replay
    /// learns them from the trace).
    static let familyID: UInt16 = 0x1c
    static let eventsGroup: UInt32 = 9

    /// Parses a scenario and builds its trace; errors name the line.
    public static func build(
        _ text: String, startMicroseconds: UInt64 = 1_700_000_000_000_000
    ) throws(ScenarioError) -> [TraceRecord] {
        var parser = ScenarioParser()
        var records = [
            TraceRecord(
                timestampMicroseconds: startMicroseconds, direction: .received,
                netlinkProtocol: TraceRecord.generic,
                bytes: KernelMessageEncoding.mptcpFamily(id: familyID, eventsGroup: eventsGroup))
        ]
        var time: UInt64 = 0
        for (number, raw) in TextLines.split(text).enumerated() {
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if words.isEmpty { continue }
            do {
                if words.first == "at" {
                    guard words.count >= 3, let at = ScenarioParser.milliseconds(words[1]) else {
                        let value = words.count >= 2 ? " (not '\(excerpt: words[1])')" : ""
                        throw ScenarioError(
                            line: number + 1,
                            "'at' needs a time in seconds from 0 to \(Int(ScenarioParser.maximumSeconds))\(value) "
                                + "and a statement, e.g. 'at 1.5 link eth0 down'")
                    }
                    guard at >= time else {
                        throw ScenarioError(
                            line: number + 1, "time '\(excerpt: words[1])' s goes back before the previous statement")
                    }
                    time = at
                    words.removeFirst(2)
                } else {
                    time += 1
                }
                for (protocolNumber, bytes) in try parser.messages(words, line: number + 1) {
                    records.append(
                        TraceRecord(
                            timestampMicroseconds: startMicroseconds + time * 1000, direction: .received,
                            netlinkProtocol: protocolNumber, bytes: bytes))
                }
            }
        }
        return records
    }
}

public struct ScenarioError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var problem: String
    init(line: Int, _ problem: String) { self.line = line; self.problem = problem }
    public var description: String { "line \(line): \(problem)" }
}
