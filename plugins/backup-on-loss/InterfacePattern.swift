import SubflowPolicy

/// Interface name patterns as admins write them: `*` matches any run of characters, `?` one
/// character, everything else itself (`eth0`, `wlan*`, `wwan?`).
enum InterfacePattern {
    /// What the kernel accepts as a name (`dev_valid_name`): 1–15 bytes (IFNAMSIZ - 1), no
    /// `/`, `:` or whitespace; the wildcards do not count towards the length.
    static func isValid(_ pattern: String) -> Bool {
        let literal = pattern.utf8.filter { $0 != UInt8(ascii: "*") }
        return !pattern.isEmpty && literal.count <= 15 && pattern != "." && pattern != ".."
            && !pattern.unicodeScalars.contains { $0 == "/" || $0 == ":" || $0 == " " || $0 == "\t" || $0 == "\n" }
    }

    static func matches(_ pattern: String, _ name: String) -> Bool {
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

/// The part an interface plays for this policy.
enum InterfaceRole: String, Sendable {
    case primary, backup
    /// Matches neither list: subflows on it are left alone.
    case other
}

extension BackupOnLoss.Settings {
    /// Backup patterns win over primary ones, so `primary=*` can mean "all but the backups".
    func role(ofInterfaceNamed name: String) -> InterfaceRole {
        if backup.contains(where: { InterfacePattern.matches($0, name) }) { return .backup }
        if primary.contains(where: { InterfacePattern.matches($0, name) }) { return .primary }
        return .other
    }
}
