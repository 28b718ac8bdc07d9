/// Outside values (file contents, paths, command-line values, anything a user or a file
/// supplies) as they may appear in an error message or a log line: control characters
/// escaped (`\n`, `\t`, `\r`, `\0`, `\x1B`, …, and DEL as `\x7F`), so that no NUL or terminal
/// escape reaches a terminal or the journal raw, and cut to about `limit` characters with the
/// full size appended, so that a huge value cannot turn one message into megabytes.
///
/// The one home for quoting input: the configuration, plugin, record and trace errors use
/// it, and so can the control socket and HTTP messages (`"\(excerpt: value)"`).
public enum InputExcerpt {
    public static let defaultLimit = 80

    public static func of<S: StringProtocol>(_ value: S, limit: Int = defaultLimit) -> String {
        cut(value.unicodeScalars, totalBytes: value.utf8.count, limit: limit)
    }

    /// Bytes that may not be UTF-8 (invalid sequences show as U+FFFD).
    public static func of(bytes: [UInt8], limit: Int = defaultLimit) -> String {
        cut(String(decoding: bytes, as: UTF8.self).unicodeScalars, totalBytes: bytes.count, limit: limit)
    }

    private static func cut<C: Collection<Unicode.Scalar>>(_ scalars: C, totalBytes: Int, limit: Int) -> String {
        var out = ""
        for (shown, scalar) in scalars.enumerated() {
            if shown >= limit { return out + "… (\(totalBytes) bytes)" }
            out += escaped(scalar)
        }
        return out
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\0": return "\\0"
        default:
            let v = scalar.value
            // C0 controls, DEL and the C1 controls (U+0080–U+009F: some terminals act on them).
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) {
                let hex = String(v, radix: 16, uppercase: true)
                return "\\x" + (hex.count < 2 ? "0" + hex : hex)
            }
            return String(scalar)
        }
    }
}

extension String.StringInterpolation {
    /// `"\(excerpt: value)"`: the value escaped and cut, see `InputExcerpt`.
    public mutating func appendInterpolation<S: StringProtocol>(excerpt value: S) {
        appendLiteral(InputExcerpt.of(value))
    }
}
