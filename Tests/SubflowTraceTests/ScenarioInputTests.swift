import Foundation
import SubflowFormats
import SubflowSystem
import SubflowTrace
import Testing

@testable import SubflowTestSupport

/// Scenario files as other systems write them (issue 8, defects 10 and 14): CRLF line ends
/// used to make the whole file one line (a first-line comment hid everything); a long or
/// binary word was echoed whole into the error.
@Suite struct ScenarioInputTests {
    static let lines = [
        "# a comment first", "link eth0 index 2 up", "address 198.18.1.1/24 on eth0",
        "at 1.0 connection 3 established client 198.18.1.1:40000 -> 198.18.1.2:443",
    ]

    @Test(arguments: ["\r\n", "\r"])
    func anyLineEndBuildsTheSameTrace(_ end: String) throws {
        let unix = try Scenario.build(Self.lines.joined(separator: "\n") + "\n")
        let other = try Scenario.build(Self.lines.joined(separator: end) + end)
        #expect(other == unix && unix.count > 1)
    }

    @Test func aHugeUnknownStatementIsQuotedCutAndEscaped() {
        let word = String(repeating: "x", count: 70_000) + "\u{1B}[2J"
        let error = #expect(throws: ScenarioError.self) { try Scenario.build("\u{1B}[2J" + word + "\n") }
        let text = error?.description ?? ""
        #expect(text.utf8.count < 400, "\(text.utf8.count) bytes")
        #expect(text.contains("\\x1B[2J") && !text.contains("\u{1B}"), "\(InputExcerpt.of(text, limit: 200))")
    }
}
