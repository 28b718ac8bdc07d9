import SubflowTrace
import Testing

@testable import SubflowTestSupport

/// `trace show` must be able to tell that it printed messages it could not decode (its exit
/// status says so): the printer counts them.
@Suite struct TracePrinterMalformedTests {
    @Test func countsMessagesThatDoNotDecode() throws {
        var printer = TracePrinter(format: .jsonLines)
        for (index, record) in try Scenario.build("link eth0 index 2 up\n").enumerated() {
            #expect(printer.lines(record, number: index + 1, start: 0).allSatisfy { !$0.contains("malformed") })
        }
        #expect(printer.malformedMessages == 0)

        // nlmsg_len 8: shorter than the header, the datagram does not split.
        let unsplittable = TraceRecord(
            timestampMicroseconds: 0, direction: .received, netlinkProtocol: TraceRecord.generic,
            bytes: [8, 0, 0, 0, 0x1c, 0, 0, 0])
        // RTM_NEWLINK with 4 bytes of the 16-byte ifinfomsg.
        let truncatedLink = TraceRecord(
            timestampMicroseconds: 0, direction: .received, netlinkProtocol: TraceRecord.route,
            bytes: [20, 0, 0, 0, 16, 0] + [UInt8](repeating: 0, count: 14))
        let lines = printer.lines(unsplittable, number: 3, start: 0) + printer.lines(truncatedLink, number: 4, start: 0)
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains("\"kind\":\"malformed\"") }, "\(lines)")
        #expect(lines[1].contains("ifinfomsg"), "\(lines)")
        #expect(printer.malformedMessages == 2)
    }
}
