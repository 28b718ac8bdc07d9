/// Interface name patterns as admins write them: `*` matches any run of characters, `?` one
/// character, everything else itself (`eth0`, `wlan*`, `wwan?`). The daemon's interface
/// allow/deny lists and policies' own interface settings use the same rules.
public enum InterfacePattern {
    /// What the kernel accepts as a name (`dev_valid_name`): 1–15 bytes (IFNAMSIZ - 1), no
    /// `/`, `:` or white space; the wildcards do not count towards the length.
    public static func isValid(_ pattern: String) -> Bool {
        let literal = pattern.utf8.filter { $0 != UInt8(ascii: "*") }
        return !pattern.isEmpty && literal.count <= 15 && pattern != "." && pattern != ".."
            && !pattern.unicodeScalars.contains { $0 == "/" || $0 == ":" || $0 == " " || $0 == "\t" || $0 == "\n" }
    }

    /// True if `name` matches `pattern`.
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        matches(Array(pattern.unicodeScalars)[...], Array(name.unicodeScalars)[...])
    }

    private static func matches(_ p: ArraySlice<Unicode.Scalar>, _ s: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let first = p.first else { return s.isEmpty }
        switch first {
        case "*":
            var rest = s
            while true {
                if matches(p.dropFirst(), rest) { return true }
                if rest.isEmpty { return false }
                rest = rest.dropFirst()
            }
        case "?":
            return !s.isEmpty && matches(p.dropFirst(), s.dropFirst())
        default:
            return s.first == first && matches(p.dropFirst(), s.dropFirst())
        }
    }
}
