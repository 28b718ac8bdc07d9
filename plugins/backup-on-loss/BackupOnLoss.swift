import SubflowPolicy

/// The backup-on-loss policy: traffic uses the primary interfaces; the backup interfaces carry
/// it only while the primary path is lost.
///
/// - `standby`: each established connection gets, at once, one subflow per backup interface
///   opened with the backup flag (MP_JOIN backup bit). The peer's scheduler and the local one
///   (the kernel's default scheduler avoids a subflow either side flagged) leave it idle.
/// - `on-demand`: no backup subflow until the primary path is lost.
///
/// The primary path is lost when its address stops being usable (link down, carrier lost,
/// address removed — the daemon reports that the moment rtnetlink does), when the peer removes
/// the address it goes to, or when its subflow closes by itself (error, reset). Then, at once:
/// the backup subflows lose their backup flag (SET_FLAGS → MP_PRIO) or are opened without it,
/// and the dead primary subflows are destroyed (SUBFLOW_DESTROY) so the kernel re-sends their
/// unacknowledged data on the backup and stops scheduling on them.
///
/// When a primary address has stayed usable for the hold time (a loss restarts the clock), a
/// primary subflow is opened again from it to the peer; once it is established the backup
/// subflows get their backup flag back (standby) or are destroyed (on-demand).
public final class BackupOnLoss: PathPolicy {
    let context: any PolicyContext
    let settings: Settings
    var host = HostPaths()
    var records: [ConnectionToken: ConnectionRecord] = [:]
    /// Connections whose initial subflow is on an interface in neither list: left alone.
    var unmanaged: Set<ConnectionToken> = []

    /// The registration the plugin exports (a new one per call: the daemon takes ownership).
    public static var registration: PolicyRegistration {
        PolicyRegistration(
            name: "backup-on-loss",
            summary:
                "primary interfaces carry the traffic; backup interfaces take over at once when the primary path is lost"
        ) { context, settings in
            try BackupOnLoss(context: context, settings: Settings(settings))
        }
    }

    public init(context: any PolicyContext, settings: Settings) {
        self.context = context
        self.settings = settings
        context.log(
            .info,
            "primary \(settings.primary.joined(separator: ",")), backup \(settings.backup.joined(separator: ",")), "
                + "mode \(settings.mode.rawValue), hold time \(settings.holdTimeMilliseconds) ms")
    }

    public func handle(_ event: PolicyEvent) {
        host.note(event, now: context.nowMilliseconds)
        switch event {
        case .connectionEstablished(let state):
            adopt(state)
        case .connectionClosed(let token):
            records.removeValue(forKey: token)?.cancelTimers()
            unmanaged.remove(token)
        case .subflowEstablished(let token, let subflow):
            subflowEstablished(token, subflow)
        case .subflowClosed(let token, let subflow):
            subflowClosed(token, subflow)
        case .peerAnnounced(let token, _, _):
            converge(token)
        case .peerRemoved(let token, let id):
            peerRemoved(token, id)
        case .localAddressAvailable(let address):
            addressAvailable(address)
        case .localAddressUnavailable(let address):
            addressUnavailable(address)
        case .eventsLost:
            for state in context.connections where state.established { adopt(state) }
        default:
            break
        }
    }

    public func stop() {
        for record in records.values { record.cancelTimers() }
        records.removeAll()
    }

    // MARK: Events

    /// Starts following an established connection: on the primary path if its initial subflow
    /// is on a primary interface, on the backup path if it is on a backup interface.
    func adopt(_ state: ConnectionState) {
        if let record = records[state.token] { return converge(record.token) }
        guard !unmanaged.contains(state.token) else { return }
        let initial = state.local.address.plain
        let name = host.interface(of: initial, context).flatMap { host.name(of: $0, context) } ?? "an unknown interface"
        switch role(of: initial) {
        case .primary:
            records[state.token] = ConnectionRecord(token: state.token, phase: .primary)
            context.log(
                .info,
                "token \(state.token): established on primary \(name) (\(initial) -> \(state.remote)); "
                    + (settings.mode == .standby
                        ? "opening standby backup subflows" : "no backup subflow until the primary path is lost"))
        case .backup:
            let reason = "established on backup interface \(name)"
            records[state.token] = ConnectionRecord(
                token: state.token, phase: .backup(reason: reason, since: context.nowMilliseconds))
            context.log(
                .info,
                "token \(state.token): \(reason) (\(initial) -> \(state.remote)); moving to a primary interface once one has been usable for \(settings.holdTimeMilliseconds) ms"
            )
        case .other:
            unmanaged.insert(state.token)
            context.log(
                .info,
                "token \(state.token): not managed: its initial subflow is on \(name), in neither the primary nor the backup list"
            )
            return
        }
        converge(state.token)
    }

    func subflowEstablished(_ token: ConnectionToken, _ subflow: Subflow) {
        guard let record = records[token] else { return }
        let key = JoinKey(subflow)
        if let join = record.joins.removeValue(forKey: key) {
            join.timeout.cancel()
            record.localBackup[SubflowKey(subflow)] = join.backupFlag
            if join.purpose == .backup {
                context.log(
                    .info,
                    "token \(token): backup subflow \(subflow) established\(join.backupFlag ? " in standby (backup flag set)" : "")"
                )
            }
        }
        converge(token)
    }

    func subflowClosed(_ token: ConnectionToken, _ subflow: Subflow) {
        guard let record = records[token] else { return }
        let key = SubflowKey(subflow)
        let requested = record.destroying.contains(key)
        record.forget(key)
        let why =
            subflow.error.map { "error \(KernelError.Code(rawValue: Int32($0)))" }
            ?? subflow.resetReason.map { "reset by the peer (reason \($0))" } ?? "closed"
        if let join = record.joins.removeValue(forKey: JoinKey(subflow)) {
            join.timeout.cancel()
            joinFailed(record, JoinKey(subflow), join, because: "join \(JoinKey(subflow)) failed: \(why)")
            return converge(token)
        }
        if requested { return converge(token) }
        switch role(of: subflow) {
        case .primary:
            let linkUp = isUsable(subflow.local.address)
            converge(token, lost: Loss(reason: "primary subflow \(subflow) \(why)", linkStillUp: linkUp))
        case .backup:
            // A backup path that keeps failing is not re-opened in a tight loop.
            if subflow.error != nil || subflow.resetReason != nil {
                context.log(.info, "token \(token): backup subflow \(subflow) \(why)")
                delayJoin(record, JoinKey(subflow))
            }
            converge(token)
        case .other:
            converge(token)
        }
    }

    func peerRemoved(_ token: ConnectionToken, _ id: AddressID) {
        guard id != .initial, let record = records[token], let state = context.connection(token) else { return }
        for subflow in state.subflows where subflow.remoteID == id && role(of: subflow) != .other {
            destroy(record, subflow, because: "the peer removed its address id \(id)")
        }
        converge(token, lost: Loss(reason: "the peer removed its address id \(id)", linkStillUp: true))
    }

    func addressAvailable(_ address: LocalAddress) {
        guard role(of: address.address) != .other else { return }
        for record in records.values {
            record.joinBackoff = record.joinBackoff.filter { $0.key.local != address.address }
        }
        for token in records.keys.sorted() { converge(token) }
    }

    func addressUnavailable(_ address: LocalAddress) {
        guard role(of: address.address) != .other else { return }
        let reason = host.lossReason(address, context)
        for token in records.keys.sorted() {
            guard let record = records[token] else { continue }
            for (key, join) in record.joins where key.local == address.address {
                // Its SYN cannot get through; a restore starts over when the address is back.
                join.timeout.cancel()
                record.joins[key] = nil
            }
            record.joinBackoff = record.joinBackoff.filter { $0.key.local != address.address }
            converge(token, lost: Loss(reason: reason, linkStillUp: false))
        }
    }
}

/// Why the primary path may have been lost, for the failover and the log.
struct Loss {
    var reason: String
    /// The address is still usable (the subflow failed by itself, or the peer's address went
    /// away): wait the hold time before trying again, as after a link flap.
    var linkStillUp: Bool
}
