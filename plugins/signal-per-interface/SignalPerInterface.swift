import SubflowPolicy

/// The signal-per-interface policy (the announcing side, typically a server): for each
/// established connection it announces (ADD_ADDR) exactly one address per usable interface
/// other than the one that carries the initial subflow, of the connection's family, so that
/// the peer's path manager can join each of them. It creates no subflows itself.
///
/// - Choice: on each such interface the numerically lowest usable address of the family,
///   kept for the connection while it stays usable (see `AnnouncementChoice`).
/// - Pacing: one ADD_ADDR/RM_ADDR at a time per connection, `announce-interval-ms` apart
///   (see `ConnectionSignals`).
/// - Checking: subflowd answers an ANNOUNCE whose ADD_ADDR the kernel dropped with EAGAIN;
///   the policy then announces it again, up to `announce-retries` times. An announcement the
///   kernel took is retransmitted by the kernel itself until the peer echoes it.
/// - Loss: when an announced address stops being usable (removed, link down, carrier lost) the
///   policy sends REMOVE for its ID, then destroys the local subflows on it (REMOVE does not
///   close them). When it is usable again it is announced again, under the same ID.
///
/// The peer joins the connection's own port (announcements carry no port: an IPv6 ADD_ADDR
/// with a port does not fit beside TCP timestamps and would never be sent). subflowd keeps
/// an MPTCP listener on every announced address:port that no listener covers.
public final class SignalPerInterface: PathPolicy {
    private let context: any PolicyContext
    public let settings: Settings
    private var plans: [ConnectionToken: ConnectionSignals] = [:]

    public init(context: any PolicyContext, settings: Settings) {
        self.context = context
        self.settings = settings
    }

    public func handle(_ event: PolicyEvent) {
        switch event {
        case .connectionEstablished(let state):
            reconcile(state.token, because: "the connection is established")
        case .connectionClosed(let token):
            forget(token)
        case .localAddressAvailable(let address):
            reconcileAll(because: "\(address.address) on \(name(address.interface)) became usable")
        case .localAddressUnavailable(let address):
            reconcileAll(because: "\(address.address) on \(name(address.interface)) is no longer usable")
        case .eventsLost:
            reconcileAll(because: "events were lost")
        case .subflowEstablished(let token, let subflow):
            let local = subflow.local.address.unmappedIPv4 ?? subflow.local.address
            if plans[token]?.isAdvertised(local) == true {
                context.log(.info, "token \(token): the peer joined announced address \(local): \(subflow)")
            }
        default:
            break
        }
    }

    public func commandCompleted(_ command: PathCommand, result: CommandResult) {
        let token = command.token
        guard var plan = plans[token], let inFlight = plan.inFlight, inFlight.command == command else { return }
        plan.inFlight = nil
        let signal = inFlight.signal
        let id = context.connection(token)?.localAddressIDs[signal.address]
        let idText = id.map { " (id \($0))" } ?? ""
        switch (signal.kind, result) {
        case (.announce(let address, let interface), .success):
            context.log(
                .info,
                "token \(token): announced \(address)\(idText) on \(name(interface)): the kernel took the ADD_ADDR and re-sends it until the peer echoes it"
            )
        case (.announce(let address, let interface), .failure(let error)) where error.code == .tryAgain:
            guard plan.advertised[interface] == address else { break }
            guard signal.attempt < settings.retries else {
                context.log(
                    .warning,
                    "token \(token): the kernel dropped the ADD_ADDR for \(address)\(idText); not announcing it again: announce-retries (\(settings.retries)) used up"
                )
                break
            }
            var retry = signal
            retry.attempt += 1
            let delay = settings.retryDelay(attempt: retry.attempt)
            plan.queue.insert(retry, at: 0)
            plan.notBefore = max(plan.notBefore, context.nowMilliseconds + delay)
            context.log(
                .info,
                "token \(token): the kernel dropped the ADD_ADDR for \(address)\(idText) (another signal was pending); announcing it again in \(delay) ms (retry \(retry.attempt)/\(settings.retries))"
            )
        case (.announce(let address, _), .failure(let error)):
            context.log(.warning, "token \(token): the kernel refused to announce \(address): \(error)")
        case (.remove(let address), .success):
            context.log(.info, "token \(token): removed \(address)\(idText): the peer gets RM_ADDR")
            destroySubflows(of: token, on: address)
        case (.remove(let address), .failure(let error)):
            context.log(.warning, "token \(token): the kernel refused to remove \(address)\(idText): \(error)")
            destroySubflows(of: token, on: address)
        }
        plans[token] = plan
        pump(token)
    }

    public func stop() {
        for token in Array(plans.keys) { forget(token) }
    }

    // MARK: Deciding

    private func reconcileAll(because reason: String) {
        for connection in context.connections { reconcile(connection.token, because: reason) }
    }

    /// Brings the connection's announcements in line with the usable interfaces: withdraws
    /// what is no longer usable, announces what is missing.
    private func reconcile(_ token: ConnectionToken, because reason: String) {
        guard let state = context.connection(token), state.established else { return }
        let isNew = plans[token] == nil
        let usable = context.usableAddresses
        var plan = plans[token] ?? adopt(state, usable: usable)
        let family = AnnouncementChoice.family(of: state)
        let initial = AnnouncementChoice.initialAddress(of: state)
        if plan.initialInterface == nil { plan.initialInterface = usable.first { $0.address == initial }?.interface }
        let desired = AnnouncementChoice.choose(
            usable: usable, family: family, initialInterface: plan.initialInterface,
            initialAddress: initial, current: plan.advertised)

        for (interface, address) in plan.advertised.sorted(by: { $0.key < $1.key }) where desired[interface] != address
        {
            plan.advertised[interface] = nil
            let why =
                usable.contains { $0.address == address }
                ? "it is no longer chosen for \(name(interface)) (\(reason))" : "\(address) is no longer usable"
            if plan.withdraw(address) {
                context.log(.info, "token \(token): removing \(address) on \(name(interface)): \(why)")
            } else {
                context.log(.info, "token \(token): not announcing \(address) after all: \(why)")
                destroySubflows(of: token, on: address)
            }
        }
        let initialName = plan.initialInterface.map(name) ?? "its address \(initial)"
        for (interface, address) in desired.sorted(by: { $0.key < $1.key }) where plan.advertised[interface] != address
        {
            plan.advertised[interface] = address
            plan.queue.append(ConnectionSignals.Signal(kind: .announce(address, interface)))
            context.log(
                .info,
                "token \(token): will announce \(address) on \(name(interface)) (\(reason)): the lowest usable \(family) address of an interface other than the initial subflow's (\(initialName))"
            )
        }
        if isNew && desired.isEmpty {
            context.log(
                .info,
                "token \(token): nothing to announce: no usable \(family) address on an interface other than the initial subflow's (\(initialName))"
            )
        }
        plans[token] = plan
        pump(token)
    }

    /// Closes the local subflows on a withdrawn address. Only after its REMOVE was answered:
    /// SUBFLOW_DESTROY also deletes the address from the connection's list in the kernel, and
    /// a REMOVE after that finds nothing to remove and sends no RM_ADDR.
    /// A connection seen for the first time may already have announcements: after a
    /// configuration reload the daemon hands live connections to a new policy instance. Those
    /// still usable count as announced (no second ADD_ADDR); the others are removed.
    private func adopt(_ state: ConnectionState, usable: [LocalAddress]) -> ConnectionSignals {
        var plan = ConnectionSignals()
        for (id, endpoint) in state.announcedLocally.sorted(by: { $0.key < $1.key }) {
            let address = endpoint.address.unmappedIPv4 ?? endpoint.address
            if let holder = usable.first(where: { $0.address == address }), plan.advertised[holder.interface] == nil {
                plan.advertised[holder.interface] = address
                context.log(
                    .info,
                    "token \(state.token): \(address) (id \(id)) on \(name(holder.interface)) was announced already")
            } else {
                plan.queue.append(ConnectionSignals.Signal(kind: .remove(address)))
                context.log(
                    .info,
                    "token \(state.token): removing \(address) (id \(id)), announced earlier: it is no longer usable or not this policy's choice"
                )
            }
        }
        return plan
    }

    private func destroySubflows(of token: ConnectionToken, on address: IPAddress) {
        guard let state = context.connection(token) else { return }
        for subflow in state.subflows where (subflow.local.address.unmappedIPv4 ?? subflow.local.address) == address {
            context.log(
                .info,
                "token \(token): closing subflow \(subflow): its address \(address) is withdrawn (REMOVE does not close local subflows)"
            )
            context.send(.destroySubflow(token, local: subflow.local, remote: subflow.remote))
        }
    }

    // MARK: Sending, paced

    /// Sends the connection's next signal if none is in flight and the interval has passed;
    /// otherwise sets a timer for when it will have.
    private func pump(_ token: ConnectionToken) {
        while var plan = plans[token], plan.inFlight == nil, plan.timer == nil, let next = plan.queue.first {
            let now = context.nowMilliseconds
            if now < plan.notBefore {
                let wait = plan.notBefore - now
                context.log(
                    .debug,
                    "token \(token): next signal (\(next.kind)) in \(wait) ms: one ADD_ADDR/RM_ADDR may be pending per connection"
                )
                plan.timer = context.schedule(afterMilliseconds: wait) { [weak self] in
                    self?.plans[token]?.timer = nil
                    self?.pump(token)
                }
                plans[token] = plan
                return
            }
            plan.queue.removeFirst()
            guard let command = command(for: next, on: token) else {
                plans[token] = plan
                continue
            }
            plan.inFlight = (next, command)
            plan.notBefore = now + settings.intervalMilliseconds
            plans[token] = plan
            context.send(command)
            return
        }
    }

    private func command(for signal: ConnectionSignals.Signal, on token: ConnectionToken) -> PathCommand? {
        switch signal.kind {
        case .announce(let address, let interface):
            return .announce(token, endpoint: SocketEndpoint(address), interface: interface)
        case .remove(let address):
            guard let id = context.connection(token)?.localAddressIDs[address] else {
                context.log(.debug, "token \(token): \(address) has no ID on this connection: nothing to remove")
                return nil
            }
            return .remove(token, id: id)
        }
    }

    private func forget(_ token: ConnectionToken) {
        plans.removeValue(forKey: token)?.timer?.cancel()
    }

    private func name(_ interface: InterfaceIndex) -> String {
        context.interfaces.first { $0.index == interface }?.description ?? "interface \(interface)"
    }
}

extension ConnectionSignals.Signal {
    /// The address the signal is about.
    var address: IPAddress {
        switch kind {
        case .announce(let address, _), .remove(let address): return address
        }
    }
}
