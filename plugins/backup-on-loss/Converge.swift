import SubflowPolicy

/// Bringing one connection to what its phase wants. Called after every event that may change
/// it; sends only what is missing, so calling it again is harmless.
extension BackupOnLoss {
    func converge(_ token: ConnectionToken, lost: Loss? = nil) {
        guard let record = records[token], let state = context.connection(token), state.established else { return }
        let primaries = liveSubflows(state, record, role: .primary)

        // 1. The phase: lost the last primary subflow → backup; a primary one is back → primary.
        switch record.phase {
        case .primary where primaries.isEmpty && !record.restoring:
            failOver(record, because: lost ?? Loss(reason: "no primary subflow left", linkStillUp: true))
        case .backup where !primaries.isEmpty:
            restored(record, by: primaries[0])
        default:
            break
        }

        // 2. The backup path first, so that it carries the traffic before anything is closed.
        let backups = liveSubflows(state, record, role: .backup)
        switch (record.phase, settings.mode) {
        case (.primary, .onDemand):
            for subflow in backups { destroy(record, subflow, because: "the primary path is back (on-demand)") }
        case (.primary, .standby):
            for subflow in backups { setBackupFlag(record, subflow, true) }
            openBackupSubflows(state, record, flagged: true)
        case (.backup, _):
            for subflow in backups { setBackupFlag(record, subflow, false) }
            openBackupSubflows(state, record, flagged: false)
        }

        // 3. Dead subflows (their address is not usable any more): the scheduler must stop
        //    waiting on them, and closing them makes the kernel re-send what they had in flight.
        for subflow in state.subflows where role(of: subflow) != .other && !isUsable(subflow.local.address) {
            destroy(record, subflow, because: "\(subflow.local.address) is no longer usable")
        }

        // 4. On the backup path: when may the primary one come back?
        if record.isOnBackup { scheduleRestore(state, record) } else { cancelRestore(record) }
    }

    /// One subflow per backup interface (from its first usable address of the connection's
    /// family) unless it has one, one is on its way, or a failed one waits for its retry.
    func openBackupSubflows(_ state: ConnectionState, _ record: ConnectionRecord, flagged: Bool) {
        guard let remote = remote(for: state) else { return }
        let live = liveSubflows(state, record, role: .backup)
        var seen = Set<InterfaceIndex>()
        for address in usableAddresses(.backup, for: state) where seen.insert(address.interface).inserted {
            let onThisInterface = { (local: IPAddress) in
                self.host.interface(of: local, self.context) == address.interface
            }
            if live.contains(where: { $0.interface == address.interface || onThisInterface($0.local.address.plain) }) {
                continue
            }
            if record.joins.contains(where: { $0.value.purpose == .backup && onThisInterface($0.key.local) }) {
                continue
            }
            let key = JoinKey(local: address.address, remote: remote)
            if record.joinBackoff[key]?.isWaiting == true { continue }
            join(record, key, .backup, flagged: flagged, interface: address.interface)
        }
    }
}
