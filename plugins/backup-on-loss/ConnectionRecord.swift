import SubflowPolicy

/// A subflow by its exact 4-tuple: what SUBFLOW_DESTROY and SET_FLAGS name.
struct SubflowKey: Hashable, CustomStringConvertible {
    var local: SocketEndpoint
    var remote: SocketEndpoint
    init(_ subflow: Subflow) { local = subflow.local; remote = subflow.remote }
    init(local: SocketEndpoint, remote: SocketEndpoint) { self.local = local; self.remote = remote }
    var description: String { "\(local) -> \(remote)" }
}

/// A join by local address and remote endpoint: SUBFLOW_CREATE names no local port (the
/// kernel picks one), so this is how its SUB_ESTABLISHED or SUB_CLOSED is recognised.
struct JoinKey: Hashable, CustomStringConvertible {
    var local: IPAddress
    var remote: SocketEndpoint
    init(local: IPAddress, remote: SocketEndpoint) { self.local = local; self.remote = remote }
    init(_ subflow: Subflow) { self.init(local: subflow.local.address.plain, remote: subflow.remote.plain) }
    var description: String { "\(local) -> \(remote)" }
}

/// A join sent and not yet answered by SUB_ESTABLISHED or SUB_CLOSED.
struct PendingJoin {
    enum Purpose { case backup, primary }
    var purpose: Purpose
    /// The backup flag it was opened with: this host's own flag on the subflow.
    var backupFlag: Bool
    var timeout: any ScheduledTask
}

/// Attempts and the timer of a retried command.
struct Backoff {
    var attempts = 0
    var timer: (any ScheduledTask)?
    var isWaiting: Bool { timer != nil }
}

/// What backup-on-loss keeps for one established connection.
final class ConnectionRecord {
    enum Phase {
        /// Traffic runs on the primary path; a standby backup subflow (if any) is flagged backup.
        case primary
        /// The primary path was lost (or never used): the backup carries the traffic.
        case backup(reason: String, since: UInt64)
    }

    let token: ConnectionToken
    var phase: Phase
    /// No restore before this time: set when the primary subflow failed while its link stayed up.
    var restoreNotBefore: UInt64 = 0
    var restoreTimer: (task: any ScheduledTask, due: UInt64)?
    var joins: [JoinKey: PendingJoin] = [:]
    var joinBackoff: [JoinKey: Backoff] = [:]
    /// The backup flag this host set on each subflow (the kernel's `request_bkup`; events
    /// only report the peer's flag). Absent: not set, i.e. false.
    var localBackup: [SubflowKey: Bool] = [:]
    var flagsInFlight: [SubflowKey: Bool] = [:]
    var destroying: Set<SubflowKey> = []
    var commandBackoff: [SubflowKey: Backoff] = [:]

    init(token: ConnectionToken, phase: Phase) { self.token = token; self.phase = phase }

    var isOnBackup: Bool { if case .backup = phase { return true } else { return false } }
    var restoring: Bool { joins.values.contains { $0.purpose == .primary } }

    /// The flag this host has on `subflow`, counting a change on its way to the kernel.
    func backupFlag(_ key: SubflowKey) -> Bool { flagsInFlight[key] ?? localBackup[key] ?? false }

    /// Forgets a subflow that closed.
    func forget(_ key: SubflowKey) {
        localBackup[key] = nil
        flagsInFlight[key] = nil
        destroying.remove(key)
        commandBackoff.removeValue(forKey: key)?.timer?.cancel()
    }

    func cancelTimers() {
        restoreTimer?.task.cancel()
        restoreTimer = nil
        joins.values.forEach { $0.timeout.cancel() }
        joinBackoff.values.forEach { $0.timer?.cancel() }
        commandBackoff.values.forEach { $0.timer?.cancel() }
    }
}

extension IPAddress {
    /// The IPv4 address inside a v4-mapped one (an IPv6 socket talking IPv4), else itself.
    var plain: IPAddress { unmappedIPv4 ?? self }
}

extension SocketEndpoint {
    var plain: SocketEndpoint { SocketEndpoint(address.plain, port: port) }
}
