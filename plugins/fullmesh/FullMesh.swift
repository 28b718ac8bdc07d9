import SubflowPolicy

/// The full-mesh policy: for each established connection, one subflow from every usable
/// local address to every known peer address of the same family — the peer's initial
/// endpoint (client side only, and never when the peer set deny-join-id0) and every address
/// it announced — except the pairs that already carry a subflow.
///
/// It re-evaluates a connection whenever something that changes the mesh happens (the
/// connection becomes established, the peer announces or removes an address, a local address
/// comes or goes, a subflow closes) and converges on the desired set. Losses are acted on at
/// once: subflows on an address that is no longer usable, or to an address the peer removed,
/// are destroyed so the scheduler stops waiting on them. A path whose join fails is retried
/// with bounded exponential backoff for as long as it stays usable.
///
/// One attempt per pair at a time: a join that stays unanswered past `join-timeout-ms` is NOT
/// retried, because the kernel keeps that subflow in SYN_SENT (retransmitting its SYN) and
/// fullmesh cannot close it — SUBFLOW_DESTROY needs the subflow's local port, which the kernel
/// picks and reports only in SUB_ESTABLISHED/SUB_CLOSED. A retry would pile a second SYN_SENT
/// subflow on the pair, and both may get established. So the overdue attempt keeps its pair
/// and its share of `max-subflows` until the kernel reports its end (SUB_CLOSED, ETIMEDOUT once
/// its SYN retries run out), and only then is the pair retried. A second subflow that still
/// gets established on a pair that has one (or beyond `max-subflows`) is destroyed at once.
public final class FullMesh: PathPolicy {
    private let context: any PolicyContext
    private let settings: Settings
    /// Joins sent and not yet answered by SUB_ESTABLISHED/SUB_CLOSED, per connection.
    private var pending: [ConnectionToken: [MeshPath: PendingJoin]] = [:]
    /// Paths waiting for a retry, or given up on, per connection.
    private var backoff: [ConnectionToken: [MeshPath: Backoff]] = [:]

    public init(context: any PolicyContext, settings: Settings) {
        self.context = context
        self.settings = settings
    }

    public func handle(_ event: PolicyEvent) {
        switch event {
        case .connectionEstablished(let state):
            reconcile(state.token)
        case .connectionClosed(let token):
            forget(token)
        case .peerAnnounced(let token, _, let endpoint):
            // A (re-)announced address deserves fresh attempts.
            backoff[token] = backoff[token]?.filter { $0.key.remote != endpoint.address }
            reconcile(token)
        case .peerRemoved(let token, let id):
            destroySubflows(of: token, reason: "peer removed its address id \(id)") {
                $0.remoteID == id && id != .initial
            }
            reconcile(token)
        case .subflowEstablished(let token, let subflow):
            settle(token, subflow, failed: false)
            destroyIfSurplus(token, subflow)
        case .subflowClosed(let token, let subflow):
            settle(token, subflow, failed: true)
        case .localAddressAvailable:
            for connection in context.connections { reconcile(connection.token) }
        case .localAddressUnavailable(let address):
            for connection in context.connections {
                pending[connection.token] = pending[connection.token]?.filter { $0.key.local != address.address }
                backoff[connection.token] = backoff[connection.token]?.filter { $0.key.local != address.address }
                destroySubflows(of: connection.token, reason: "local address \(address.address) is no longer usable") {
                    $0.local.address == address.address
                }
            }
        case .eventsLost:
            for connection in context.connections { reconcile(connection.token) }
        default:
            break
        }
    }

    public func commandCompleted(_ command: PathCommand, result: CommandResult) {
        guard case .createSubflow(let token, let local, let remote, _, _, _) = command,
            case .failure(let error) = result
        else { return }
        let path = MeshPath(local: local, remote: remote.address)
        guard let join = pending[token]?.removeValue(forKey: path) else { return }
        join.timeout.cancel()
        scheduleRetry(token, path, remote: remote, because: "the kernel refused the join (\(error))")
    }

    public func stop() {
        for token in Array(pending.keys) + Array(backoff.keys) { forget(token) }
    }

    // MARK: Converging on the mesh

    /// The joins the mesh still needs for one connection, in a stable order.
    func missingJoins(_ state: ConnectionState) -> [(local: LocalAddress, remote: SocketEndpoint)] {
        guard state.established else { return [] }
        var remotes = Set(state.announcedByPeer.values)
        if state.side == .client && !state.denyJoinInitialEndpoint { remotes.insert(state.remote) }
        let used = Set(state.subflows.map { MeshPath(local: $0.local.address, remote: $0.remote.address) })
        var joins: [(LocalAddress, SocketEndpoint)] = []
        for remote in remotes.sorted() {
            for local in context.usableAddresses where local.family == remote.family {
                let path = MeshPath(local: local.address, remote: remote.address)
                if used.contains(path) || pending[state.token]?[path] != nil || isHeldBack(state.token, path) {
                    continue
                }
                if state.denyJoinInitialEndpoint && remote == state.remote { continue }
                joins.append((local, remote))
            }
        }
        return joins
    }

    private func reconcile(_ token: ConnectionToken) {
        guard let state = context.connection(token) else { return }
        var budget = settings.maxSubflows - state.subflows.count - (pending[token]?.count ?? 0)
        for (local, remote) in missingJoins(state) {
            guard budget > 0 else {
                context.log(
                    .info,
                    "token \(token): max-subflows \(settings.maxSubflows) reached; not joining \(local.address) -> \(remote)"
                )
                break
            }
            budget -= 1
            join(token, from: local, to: remote)
        }
    }

    private func join(_ token: ConnectionToken, from local: LocalAddress, to remote: SocketEndpoint) {
        let path = MeshPath(local: local.address, remote: remote.address)
        let timer = context.schedule(afterMilliseconds: settings.joinTimeoutMilliseconds) { [weak self] in
            guard let self, self.pending[token]?[path] != nil else { return }
            // The attempt stays pending (see the type's comment): retrying now would leave two
            // SYN_SENT subflows on the pair. The kernel's SUB_CLOSED or SUB_ESTABLISHED settles it.
            self.context.log(
                .warning,
                "token \(token): no answer to the join \(path) within \(self.settings.joinTimeoutMilliseconds) ms; "
                    + "the kernel keeps retrying its SYN, and the path is retried once the kernel reports that attempt closed"
            )
        }
        pending[token, default: [:]][path] = PendingJoin(remote: remote, timeout: timer)
        context.log(.info, "token \(token): joining \(local.address) -> \(remote) (missing from the mesh)")
        context.send(
            .createSubflow(
                token, local: local.address, remote: remote,
                interface: settings.bindToDevice ? local.interface : nil))
    }

    /// A subflow was established or closed: clear its pending join, and on a failure on a
    /// path the mesh still wants, retry it later.
    private func settle(_ token: ConnectionToken, _ subflow: Subflow, failed: Bool) {
        let path = MeshPath(subflow)
        let wasPending = pending[token]?.removeValue(forKey: path)
        wasPending?.timeout.cancel()
        if !failed {
            backoff[token]?[path]?.timer?.cancel()
            backoff[token]?[path] = nil
            return
        }
        // The closed one was a surplus subflow (or another attempt) on a pair that still has one.
        if context.connection(token)?.subflows.contains(where: { MeshPath($0) == path }) == true { return }
        let remote = wasPending?.remote ?? subflow.remote
        let why =
            subflow.error.map { "closed with error \($0)" } ?? subflow.resetReason.map {
                "reset by the peer (reason \($0))"
            } ?? "closed"
        scheduleRetry(token, path, remote: remote, because: "subflow \(subflow) \(why)")
    }

    private func scheduleRetry(
        _ token: ConnectionToken, _ path: MeshPath, remote: SocketEndpoint, because reason: String
    ) {
        guard let state = context.connection(token),
            context.usableAddresses.contains(where: { $0.address == path.local })
        else { return }
        let stillWanted =
            state.announcedByPeer.values.contains(remote)
            || (remote == state.remote && state.side == .client && !state.denyJoinInitialEndpoint)
        guard stillWanted else { return }
        var entry = backoff[token]?[path] ?? Backoff()
        entry.timer?.cancel()
        entry.attempts += 1
        guard entry.attempts <= settings.retryLimit else {
            context.log(
                .warning, "token \(token): giving up on \(path) after \(settings.retryLimit) retries: \(reason)")
            entry.timer = nil
            backoff[token, default: [:]][path] = entry  // given up until the address comes back or is re-announced
            return
        }
        let delay = settings.retryDelay(attempt: entry.attempts)
        context.log(
            .info, "token \(token): \(reason); retry \(entry.attempts)/\(settings.retryLimit) of \(path) in \(delay) ms"
        )
        entry.timer = context.schedule(afterMilliseconds: delay) { [weak self] in
            guard let self else { return }
            self.backoff[token]?[path]?.timer = nil
            self.reconcile(token)
        }
        backoff[token, default: [:]][path] = entry
    }

    /// A path waiting for its retry timer, or given up on, is not joined by `reconcile`.
    private func isHeldBack(_ token: ConnectionToken, _ path: MeshPath) -> Bool {
        guard let entry = backoff[token]?[path] else { return false }
        return entry.timer != nil || entry.attempts > settings.retryLimit
    }

    /// Keeps one subflow per pair and at most `max-subflows`: a subflow established on a pair
    /// that already has one (an attempt given up on that got through after all) or beyond the
    /// limit is closed. The older subflow stays.
    private func destroyIfSurplus(_ token: ConnectionToken, _ subflow: Subflow) {
        guard let state = context.connection(token) else { return }
        let path = MeshPath(subflow)
        let onPair = state.subflows.filter { MeshPath($0) == path }
        let reason: String
        if onPair.count > 1, let kept = onPair.first, kept.local != subflow.local || kept.remote != subflow.remote {
            reason = "a second subflow on \(path), which already has \(kept)"
        } else if state.subflows.count > settings.maxSubflows {
            reason = "max-subflows \(settings.maxSubflows) exceeded"
        } else {
            return
        }
        context.log(.info, "token \(token): closing \(subflow): \(reason)")
        context.send(.destroySubflow(token, local: subflow.local, remote: subflow.remote))
    }

    private func destroySubflows(of token: ConnectionToken, reason: String, where matches: (Subflow) -> Bool) {
        guard let state = context.connection(token) else { return }
        for subflow in state.subflows where matches(subflow) {
            context.log(.info, "token \(token): closing \(subflow): \(reason)")
            context.send(.destroySubflow(token, local: subflow.local, remote: subflow.remote))
        }
    }

    private func forget(_ token: ConnectionToken) {
        pending.removeValue(forKey: token)?.values.forEach { $0.timeout.cancel() }
        backoff.removeValue(forKey: token)?.values.forEach { $0.timer?.cancel() }
    }
}

/// A local address and a peer address (ports aside): one cell of the mesh.
struct MeshPath: Hashable, CustomStringConvertible {
    var local: IPAddress
    var remote: IPAddress
    var description: String { "\(local) -> \(remote)" }
}

extension MeshPath {
    init(_ subflow: Subflow) { self.init(local: subflow.local.address, remote: subflow.remote.address) }
}

private struct PendingJoin {
    var remote: SocketEndpoint
    var timeout: any ScheduledTask
}

private struct Backoff {
    var attempts = 0
    var timer: (any ScheduledTask)?
}
