import SubflowCore
import SubflowFormats
import SubflowSystem

/// The configuration file's syntax: INI as mptcpd and systemd use it.
///
///     # comment (also ';')
///     [section]
///     key = value          # a trailing comment needs a space before '#'
///
/// Lines may end in "\n", "\r\n" or "\r" (TextLines).
/// Keys may repeat where the key allows it (`rule`); order is kept.
package struct ConfigFile {
    struct Entry: Hashable {
        var section: String
        /// The line of the section's header (0: before any header, i.e. [core]).
        var sectionLine: Int
        var key: String
        var value: String
        var line: Int
    }

    let path: String
    let entries: [Entry]

    package init(path: String, text: String) throws(ConfigurationError) {
        self.path = path
        var entries: [Entry] = []
        var section = "core"
        var sectionLine = 0
        for (index, raw) in TextLines.split(text).enumerated() {
            let number = index + 1
            var line = Substring(raw)
            if let comment = ConfigFile.commentStart(line) { line = line[..<comment] }
            line = line.trimmingWhitespace()
            if line.isEmpty { continue }
            if line.first == "[" {
                guard line.last == "]", line.count > 2 else {
                    throw ConfigurationError(
                        path, number, "malformed section header '\(excerpt: line)': expected [name]")
                }
                section = String(line.dropFirst().dropLast()).lowercased()
                sectionLine = number
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError(path, number, "'\(excerpt: line)' is not KEY = VALUE")
            }
            let key = line[..<equals].trimmingWhitespace().lowercased()
            guard !key.isEmpty else {
                throw ConfigurationError(path, number, "a line starts with '=': the key is missing")
            }
            var value = line[line.index(after: equals)...].trimmingWhitespace()
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            entries.append(
                Entry(section: section, sectionLine: sectionLine, key: key, value: String(value), line: number))
        }
        self.entries = entries
    }

    /// '#' or ';' at the start, or after white space (so values such as URLs with '#' survive).
    private static func commentStart(_ line: Substring) -> Substring.Index? {
        var previous: Character = " "
        for index in line.indices {
            let c = line[index]
            if (c == "#" || c == ";") && (previous == " " || previous == "\t") { return index }
            previous = c
        }
        return nil
    }
}

/// A configuration problem: where, what is wrong, and what would be right.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String

    public init(_ path: String, _ line: Int?, _ message: String) {
        self.path = path; self.line = line; self.message = message
    }

    /// Values in messages are already cut and escaped where they are quoted; the whole
    /// message is bounded too, so that no source of text can make one error huge.
    public var description: String {
        let shown = InputExcerpt.of(path, limit: 200), text = InputExcerpt.of(message, limit: 1000)
        return line.map { "\(shown):\($0): \(text)" } ?? "\(shown): \(text)"
    }
}
