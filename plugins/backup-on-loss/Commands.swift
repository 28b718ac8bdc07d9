import SubflowPolicy

/// Sending SUBFLOW_CREATE, SET_FLAGS and SUBFLOW_DESTROY, and what to do when the kernel
/// refuses one: a failed backup join is retried with bounded exponential backoff for as long
/// as it is wanted; a failed flag change or destroy is retried the same way a few times; a
/// failed primary join waits another hold time.
extension BackupOnLoss {
    /// Flag changes and destroys are given up after this many failures (until the subflow changes).
    static let commandRetryLimit = 5

    func join(
        _ record: ConnectionRecord, _ key: JoinKey, _ purpose: PendingJoin.Purpose, flagged: Bool,
        interface: InterfaceIndex
    ) {
        let token = record.token
        let timeout = context.schedule(afterMilliseconds: settings.joinTimeoutMilliseconds) {
            [weak self, weak record] in
            // The join stays recorded: the kernel keeps that subflow in SYN_SENT (retransmitting
            // its SYN) and it cannot be closed — SUBFLOW_DESTROY needs its local port, which the
            // kernel reports only in SUB_ESTABLISHED/SUB_CLOSED. A second join on the key would
            // pile a second subflow on it; its SUB_CLOSED (ETIMEDOUT at the latest) settles it.
            guard let self, let record, record.joins[key] != nil else { return }
            self.context.log(
                .warning,
                "token \(token): join \(key) unanswered after \(self.settings.joinTimeoutMilliseconds) ms; "
                    + "the kernel keeps retrying its SYN, and the key is retried once the kernel reports that attempt closed"
            )
        }
        record.joins[key] = PendingJoin(purpose: purpose, backupFlag: flagged, timeout: timeout)
        context.send(
            .createSubflow(
                token, local: key.local, remote: key.remote, backup: flagged,
                interface: settings.bindToDevice ? interface : nil))
    }

    func joinFailed(_ record: ConnectionRecord, _ key: JoinKey, _ join: PendingJoin, because reason: String) {
        switch join.purpose {
        case .primary:
            restoreFailed(record, because: reason)
        case .backup:
            context.log(.info, "token \(record.token): \(reason)")
            delayJoin(record, key)
        }
    }

    /// The next join on `key` waits for its backoff delay.
    func delayJoin(_ record: ConnectionRecord, _ key: JoinKey) {
        var entry = record.joinBackoff[key] ?? Backoff()
        entry.timer?.cancel()
        entry.attempts += 1
        let delay = settings.retryDelay(attempt: entry.attempts)
        let token = record.token
        entry.timer = context.schedule(afterMilliseconds: delay) { [weak self, weak record] in
            guard let self, let record else { return }
            record.joinBackoff[key]?.timer = nil
            self.converge(token)
        }
        record.joinBackoff[key] = entry
        context.log(.info, "token \(token): retrying \(key) in \(delay) ms (attempt \(entry.attempts + 1))")
    }

    /// Sets this host's backup flag on `subflow` (MP_PRIO to the peer) unless it has it already.
    func setBackupFlag(_ record: ConnectionRecord, _ subflow: Subflow, _ backup: Bool) {
        let key = SubflowKey(subflow)
        guard record.backupFlag(key) != backup, !isHeldBack(record, key) else { return }
        record.flagsInFlight[key] = backup
        context.send(.setBackup(record.token, local: subflow.local, remote: subflow.remote, backup: backup))
    }

    func destroy(_ record: ConnectionRecord, _ subflow: Subflow, because reason: String) {
        let key = SubflowKey(subflow)
        guard !record.destroying.contains(key), !isHeldBack(record, key) else { return }
        record.destroying.insert(key)
        context.log(.info, "token \(record.token): closing \(subflow): \(reason)")
        context.send(.destroySubflow(record.token, local: subflow.local, remote: subflow.remote))
    }

    public func commandCompleted(_ command: PathCommand, result: CommandResult) {
        guard let record = records[command.token] else { return }
        switch command {
        case .createSubflow(_, let local, let remote, _, _, _):
            let key = JoinKey(local: local, remote: remote)
            guard case .failure(let error) = result, let join = record.joins.removeValue(forKey: key) else { return }
            join.timeout.cancel()
            joinFailed(record, key, join, because: "the kernel refused the join \(key) (\(error))")
            converge(record.token)
        case .setBackup(_, let local, let remote, let backup):
            let key = SubflowKey(local: local, remote: remote)
            record.flagsInFlight[key] = nil
            switch result {
            case .success:
                record.localBackup[key] = backup
                record.commandBackoff[key] = nil
            case .failure(let error): retryLater(record, key, "set-backup \(backup ? 1 : 0) on \(key)", error)
            }
        case .destroySubflow(_, let local, let remote):
            let key = SubflowKey(local: local, remote: remote)
            // ESRCH "subflow not found": it is gone already, which is what was wanted.
            if case .failure(let error) = result, error.code != .noSuchProcess {
                record.destroying.remove(key)
                retryLater(record, key, "destroy \(key)", error)
            } else {
                record.forget(key)  // the kernel does not always report SUB_CLOSED for it
            }
        default:
            break
        }
    }

    /// A command on `key` waits for its retry, or was given up on.
    func isHeldBack(_ record: ConnectionRecord, _ key: SubflowKey) -> Bool {
        guard let entry = record.commandBackoff[key] else { return false }
        return entry.isWaiting || entry.attempts > Self.commandRetryLimit
    }

    /// A refused flag change or destroy: converge again after a backoff delay, a few times.
    private func retryLater(_ record: ConnectionRecord, _ key: SubflowKey, _ what: String, _ error: KernelError) {
        var entry = record.commandBackoff[key] ?? Backoff()
        entry.attempts += 1
        guard entry.attempts <= Self.commandRetryLimit else {
            context.log(
                .warning,
                "token \(record.token): giving up on \(what) after \(Self.commandRetryLimit) attempts: \(error)")
            entry.timer = nil
            record.commandBackoff[key] = entry  // stays refused until the subflow closes
            return
        }
        let delay = settings.retryDelay(attempt: entry.attempts)
        context.log(.info, "token \(record.token): the kernel refused \(what) (\(error)); retrying in \(delay) ms")
        let token = record.token
        entry.timer = context.schedule(afterMilliseconds: delay) { [weak self, weak record] in
            guard let self, let record else { return }
            record.commandBackoff[key]?.timer = nil
            self.converge(token)
        }
        record.commandBackoff[key] = entry
    }
}
