import SubflowConfiguration
import SubflowCore
import SubflowFormats
import SubflowSystem
import Testing

@testable import SubflowDaemon
@testable import SubflowTestSupport

/// Outside values in error messages are cut and escaped (issue 8, defect 14: a 900 KB value
/// gave 2.7 MB of stderr, NUL and escape bytes raw).
@Suite struct ErrorExcerptTests {
    static let huge = String(repeating: "A", count: 100_000) + "\0\u{1B}[31m" + String(repeating: "B", count: 100_000)

    func isClean(_ text: String) -> Bool {
        !text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) }
    }

    @Test func controlCharactersAreEscaped() {
        #expect(InputExcerpt.of("a\0b\u{1B}[31m\n\t\r\u{7F}\u{85}é") == "a\\0b\\x1B[31m\\n\\t\\r\\x7F\\x85é")
    }

    @Test func longValuesAreCutWithTheirSize() {
        let cut = InputExcerpt.of(String(repeating: "A", count: 900_000))
        #expect(cut == String(repeating: "A", count: 80) + "… (900000 bytes)")
        #expect(InputExcerpt.of("short") == "short")
        #expect(InputExcerpt.of(bytes: [0x41, 0xFF, 0x00]) == "A\u{FFFD}\\0")
        #expect("x=\(excerpt: "\u{1B}")" == "x=\\x1B")
    }

    /// Configuration texts quoting the huge value in different places (by number: the test
    /// report must not print 900 KB arguments).
    static let texts = [
        "[core]\npolicy = \(huge)\n",
        "[core]\nlog-level = \(huge)\n",
        "[core]\n\(huge)\n",
        "[\(huge)]\nkey = 1\n",
        "[core]\n\(huge) = 1\n",
        "[rules]\nrule = remote=\(huge) => fullmesh\n",
        "[network]\nfamilies = \(huge)\n",
    ]

    @Test(arguments: 0..<7)
    func configurationErrorsStaySmallAndClean(_ index: Int) {
        let text = Self.texts[index]
        var configuration = Configuration()
        do {
            try configuration.apply(ConfigFile(path: "big.conf", text: text))
            Issue.record("accepted")
        } catch {
            let message = error.description
            #expect(message.utf8.count < 1_200, "\(message.utf8.count) bytes: \(InputExcerpt.of(message, limit: 300))")
            #expect(isClean(message), "\(InputExcerpt.of(message, limit: 300))")
            #expect(message.hasPrefix("big.conf:"))
        }
    }

    @Test func pluginErrorsQuoteTheNameCut() {
        let error = PluginLoadError(path: "/x", reason: .badName(Self.huge))
        #expect(error.description.utf8.count < 300 && isClean(error.description))
    }
}
