import SubflowPolicy

// Pattern matching itself is the SDK's InterfacePattern, shared with the daemon's filters.

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
