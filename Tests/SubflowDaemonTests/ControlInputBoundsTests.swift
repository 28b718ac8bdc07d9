import SubflowFormats
import SubflowSystem
import Testing

@testable import SubflowDaemon
@testable import SubflowTestSupport

/// The size and cost bounds on what control and metrics clients send, checked on the pure
/// parts (no socket): limits apply before anything is accepted, never one read late.
@Suite struct ControlInputBoundsTests {
    // MARK: control request lines

    @Test func linesAreSplitWithTheirCarriageReturnsRemoved() {
        var lines = RequestLines(maximumLineBytes: 100)
        lines.append(Array("{\"command\":\"status\"}\r\n\n{\"com".utf8))
        #expect(lines.next() == .line(Array("{\"command\":\"status\"}".utf8)))
        #expect(lines.next() == .line([]))
        #expect(lines.next() == RequestLines.Next.none)
        lines.append(Array("mand\":\"metrics\"}\n".utf8))
        #expect(lines.next() == .line(Array("{\"command\":\"metrics\"}".utf8)))
        #expect(lines.bufferedBytes == 0)
    }

    /// A 70,000-byte line was accepted when its newline came in the read that crossed the
    /// 64 KiB bound: it must be refused, whatever the chunking.
    @Test func aLineOverTheBoundIsRefusedEvenWhenItsNewlineArrivesWithIt() {
        var whole = RequestLines(maximumLineBytes: 65_536)
        whole.append([UInt8](repeating: 0x61, count: 70_000) + [0x0A])
        #expect(whole.next() == .tooLong)

        var chunked = RequestLines(maximumLineBytes: 65_536)
        var answers: [RequestLines.Next] = []
        for chunk in stride(from: 0, to: 70_000, by: 16_384) {
            chunked.append([UInt8](repeating: 0x61, count: min(16_384, 70_000 - chunk)))
            answers.append(chunked.next())
        }
        #expect(answers.prefix(4).allSatisfy { $0 == RequestLines.Next.none })
        #expect(answers.last == .tooLong, "refused as soon as more than the bound is buffered")
    }

    @Test func aLineOfExactlyTheBoundIsServed() {
        var lines = RequestLines(maximumLineBytes: 10)
        lines.append(Array("0123456789\r\n0123456789a\n".utf8))
        #expect(lines.next() == .line(Array("0123456789".utf8)))
        #expect(lines.next() == .tooLong)
    }

    // MARK: HTTP request head

    @Test func aCompleteHeadWithinTheLimitIsParsed() throws {
        let head = Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        guard case .complete(let request) = HTTPRequestHead.scan(head, limit: 8_192) else {
            Issue.record("not complete"); return
        }
        #expect(request.parsed?.method == "GET" && request.parsed?.target == "/metrics")
        #expect(HTTPRequestHead(head)?.requestLine == "GET /metrics HTTP/1.1")
        guard case .incomplete = HTTPRequestHead.scan(Array(head.prefix(20)), limit: 8_192) else {
            Issue.record("a partial head must wait for more"); return
        }
    }

    /// A 9 KB head that arrived in one read used to be answered 200.
    @Test func aHeadOverTheLimitIsRefusedEvenWhenComplete() {
        let head = Array(("GET /metrics HTTP/1.1\r\nX-Pad: " + String(repeating: "a", count: 9_000) + "\r\n\r\n").utf8)
        guard case .tooLarge = HTTPRequestHead.scan(head, limit: 8_192) else { Issue.record("accepted"); return }
        guard case .tooLarge = HTTPRequestHead.scan(Array(head.prefix(8_193)), limit: 8_192) else {
            Issue.record("an unfinished head over the limit must be refused at once"); return
        }
    }

    // MARK: JSON objects

    /// Thousands of keys parse in order and a duplicate is still found, at the very end too.
    @Test func largeObjectsKeepTheirOrderAndDuplicatesAreFound() throws {
        let keys = (0..<8_616).map { "k\($0)" }
        let text = "{" + keys.map { "\"\($0)\":0" }.joined(separator: ",") + ",\"command\":\"status\"}"
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.keys == keys + ["command"])
        #expect(value["command"]?.stringValue == "status")
        #expect(throws: JSONParseError.self) { try JSONParser.parse(String(text.dropLast()) + ",\"k0\":1}") }
    }
}

/// Repeated warnings from one call site are cut to a burst per window and then counted.
@Suite struct LogRateLimiterTests {
    @Test func aBurstPassesThenTheRestIsCountedAndReportedOnce() {
        var limiter = LogRateLimiter(burst: 3, windowMilliseconds: 10_000)
        var written: [String] = []
        for i in 0..<3_500 {
            written += limiter.admit("refused pid \(i)", site: "ControlServer.swift:90", now: 1_000 + UInt64(i))
        }
        #expect(written == ["refused pid 0", "refused pid 1", "refused pid 2"])

        // Another site is not affected by the first one's flood.
        #expect(limiter.admit("other", site: "Daemon.swift:10", now: 5_000) == ["other"])

        // Once the window is over, the next line of any site brings the count first.
        let later = limiter.admit("other again", site: "Daemon.swift:10", now: 11_001)
        #expect(later.count == 2)
        #expect(
            later.first?.hasPrefix("3497 similar messages suppressed in 10 s (ControlServer.swift:90)") == true,
            "\(later)")
        #expect(later.first?.hasSuffix("refused pid 3499") == true)
        #expect(later.last == "other again")

        // The flooding site starts a new window with a new burst, and owes nothing now.
        #expect(limiter.admit("refused pid x", site: "ControlServer.swift:90", now: 11_002) == ["refused pid x"])
        #expect(limiter.admit("quiet", site: "Daemon.swift:10", now: 30_000) == ["quiet"])
    }
}
