import SubflowPolicy

/// The two transitions — failover and restore — and the hold time between them.
extension BackupOnLoss {
    func failOver(_ record: ConnectionRecord, because loss: Loss) {
        let now = context.nowMilliseconds
        record.phase = .backup(reason: loss.reason, since: now)
        record.restoreNotBefore = loss.linkStillUp ? now + settings.holdTimeMilliseconds : 0
        let action =
            settings.mode == .standby ? "clearing the backup flag of the standby subflows" : "opening backup subflows"
        context.log(
            .info, "token \(record.token): primary path lost (\(loss.reason)): failing over to backup, \(action)")
    }

    func restored(_ record: ConnectionRecord, by subflow: Subflow) {
        guard case .backup(_, let since) = record.phase else { return }
        record.phase = .primary
        record.restoreNotBefore = 0
        let action =
            settings.mode == .standby
            ? "setting the backup flag on the backup subflows again" : "closing the backup subflows"
        context.log(
            .info,
            "token \(record.token): primary subflow \(subflow) established after \(context.nowMilliseconds - since) ms on backup: \(action)"
        )
    }

    /// A primary address of the connection's family becomes eligible once it has been usable
    /// for the hold time (and not before `restoreNotBefore`); the earliest one is used.
    func scheduleRestore(_ state: ConnectionState, _ record: ConnectionRecord) {
        guard !record.restoring, let remote = remote(for: state) else { return cancelRestore(record) }
        let now = context.nowMilliseconds
        let candidates = usableAddresses(.primary, for: state).map { address in
            (
                address,
                due: max(
                    host.usable(since: address.address, now: now) + settings.holdTimeMilliseconds,
                    record.restoreNotBefore)
            )
        }
        guard let best = candidates.min(by: { $0.due < $1.due }) else { return cancelRestore(record) }
        if best.due <= now {
            cancelRestore(record)
            let usableFor = now - host.usable(since: best.0.address, now: now)
            context.log(
                .info,
                "token \(record.token): restoring the primary path: \(best.0.address) usable for \(usableFor) ms "
                    + "(hold time \(settings.holdTimeMilliseconds) ms); opening \(best.0.address) -> \(remote)")
            join(
                record, JoinKey(local: best.0.address, remote: remote), .primary, flagged: false,
                interface: best.0.interface)
            return
        }
        if record.restoreTimer?.due == best.due { return }
        cancelRestore(record)
        let token = record.token
        let task = context.schedule(afterMilliseconds: best.due - now) { [weak self, weak record] in
            guard let self, let record else { return }
            record.restoreTimer = nil
            self.converge(token)
        }
        record.restoreTimer = (task, best.due)
    }

    func cancelRestore(_ record: ConnectionRecord) {
        record.restoreTimer?.task.cancel()
        record.restoreTimer = nil
    }

    /// The primary join failed: stay on the backup and try again after another hold time.
    func restoreFailed(_ record: ConnectionRecord, because reason: String) {
        let delay = max(settings.holdTimeMilliseconds, settings.retryInitialMilliseconds)
        record.restoreNotBefore = context.nowMilliseconds + delay
        context.log(
            .info,
            "token \(record.token): restoring the primary path failed (\(reason)); staying on backup, next attempt in \(delay) ms"
        )
    }
}
