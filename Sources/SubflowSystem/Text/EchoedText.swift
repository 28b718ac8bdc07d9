/// Outside text echoed in an error message: cut and escaped, so that a 900 KB value cannot
/// flood standard error and NUL, terminal escapes or bidirectional overrides in it cannot
/// garble or disguise the message.
public enum EchoedText {
    /// Unicode scalars kept from a value; what is cut is counted instead.
    public static let defaultLimit = 64

    /// `'eth0'`; `'aaaa…' (70000 bytes)` when cut. Backslash, the quote, control and format
    /// characters are escaped (`\\`, `\'`, `\n`, `\t`, `\r`, `\u{1b}`).
    public static func quoted(_ text: some StringProtocol, limit: Int = defaultLimit) -> String {
        var out = "'"
        var kept = 0
        for scalar in text.unicodeScalars {
            guard kept < limit else {
                return out + "…' (\(text.utf8.count) bytes)"
            }
            kept += 1
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                switch scalar.properties.generalCategory {
                case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                default:
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "'"
    }
}
