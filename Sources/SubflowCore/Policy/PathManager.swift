import Logging
import MPTCPWire
import SubflowPolicy

/// The heart of subflowd: keeps the connection and network state, hands each event to the
/// policy in charge, and carries policies' commands to the kernel and the results back.
///
/// Everything here runs on one thread (the event loop's); nothing is shared across threads.
public final class PathManager {
    public internal(set) var connections = ConnectionTable()
    public private(set) var network: NetworkState
    public internal(set) var counters = Counters()
    /// The MPTCP listeners that keep announced addresses joinable (Listeners/ListenerManager).
    public private(set) lazy var listeners = ListenerManager(logger: logger)
    let kernel: any PathManagerKernel
    let scheduler: any Scheduler
    let logger: Logger

    /// Loaded policies, in load order: network events reach them in this order.
    private var policies: [LoadedPolicy] = []
    /// Which policy is in charge of each live connection.
    private(set) var owner: [ConnectionToken: LoadedPolicy] = [:]
    private var livenessTimer: (any ScheduledTask)?
    /// The liveness round under way: its connections, the next to look up, its number.
    private var livenessQueue: [ConnectionToken] = []
    private var livenessNext = 0
    private var livenessRound: UInt64 = 0
    /// Events were lost and the resync from the kernel has not run yet: events still apply
    /// to the table, but policies hear of them only through the resync (PathManagerResync).
    public internal(set) var awaitingResync = false
    /// Picks the policy for a new connection: the first matching rule's, else the default
    /// (the first loaded policy).
    public var selection = PolicySelection()
    /// Sees what the manager handles, for the control socket's monitor and metrics
    /// (SubflowDaemon/Control): each kernel event before it is applied, each network event,
    /// each command sent or refused unsent, each kernel answer before the policy hears it.
    /// Runs on the loop thread and must not call back into the manager.
    public var observer: ((Observation) -> Void)?
    public enum Observation {
        case event(MPTCPEvent)
        case network(PolicyEvent)
        case commandSent(policy: String, PathCommand, MPTCPCommand)
        case commandNotSent(policy: String, PathCommand, KernelError)
        case commandAnswered(policy: String, PathCommand, MPTCPCommand, CommandResult)
    }

    public init(
        kernel: any PathManagerKernel, scheduler: any Scheduler, logger: Logger,
        filter: AddressFilter = AddressFilter()
    ) {
        self.kernel = kernel
        self.scheduler = scheduler
        self.logger = logger
        self.network = NetworkState(filter: filter)
    }

    deinit {
        for slot in policies { slot.detach() }
    }

    public var policyNames: [String] { policies.map(\.name) }

    /// The name of the policy in charge of a connection.
    public func policyName(for token: ConnectionToken) -> String? { owner[token]?.name }

    /// Creates the policy from its registration and adds it. The policy's own errors
    /// (bad settings, refused start) are rethrown with its name.
    public func load(
        _ registration: PolicyRegistration, settings: PolicySettings, origin: String
    ) throws(PluginLoadError) {
        guard !policies.contains(where: { $0.name == registration.name }) else {
            throw PluginLoadError(path: origin, reason: .duplicateName(registration.name))
        }
        let slot = LoadedPolicy(name: registration.name, origin: origin, manager: self, logger: logger)
        do {
            slot.attach(try registration.make(slot, settings))
        } catch {
            throw PluginLoadError(path: origin, reason: .initFailed(String(describing: error)))
        }
        policies.append(slot)
        logger.info("loaded policy \(registration.name) from \(origin): \(registration.summary)")
    }

    /// Replaces every policy (configuration reload) without touching connection or network
    /// state. The new policies are all created first: if one fails, nothing changes and the
    /// error is rethrown. Then the old ones stop, each live connection is assigned again by
    /// `selection`, and its new policy is told about it as if it had just been established.
    public func replacePolicies(
        _ registrations: [(PolicyRegistration, PolicySettings, String)],
        selection newSelection: PolicySelection
    ) throws(PluginLoadError) {
        var fresh: [LoadedPolicy] = []
        for (registration, settings, origin) in registrations {
            guard !fresh.contains(where: { $0.name == registration.name }) else {
                throw PluginLoadError(path: origin, reason: .duplicateName(registration.name))
            }
            let slot = LoadedPolicy(name: registration.name, origin: origin, manager: self, logger: logger)
            do { slot.attach(try registration.make(slot, settings)) } catch {
                for made in fresh { made.policy?.stop(); made.detach() }
                throw PluginLoadError(path: origin, reason: .initFailed(String(describing: error)))
            }
            fresh.append(slot)
        }
        for slot in policies.reversed() { slot.policy?.stop(); slot.detach() }
        policies = fresh
        selection = newSelection
        owner = [:]
        for state in connections.connections.values.sorted(by: { $0.token < $1.token }) {
            let slot = adopt(state)
            deliver(state.established ? .connectionEstablished(state) : .connectionCreated(state), to: slot)
        }
        logger.info("policies now: \(policyNames.joined(separator: ", ")); \(connections.count) connection(s) kept")
    }

    /// Applies a new address filter (configuration reload); policies see the resulting
    /// address changes as ordinary events.
    public func setFilter(_ filter: AddressFilter) {
        for event in network.setFilter(filter) {
            observer?(.network(event))
            logger.info("network: \(event.networkDescription)")
            broadcast(event)
        }
    }

    // MARK: Events in

    /// One decoded kernel event: update state, then tell the policy in charge.
    public func handle(_ event: MPTCPEvent) {
        counters.events[event.name, default: 0] += 1
        observer?(.event(event))
        logger.debug("event \(event)")
        if awaitingResync { return applyAwaitingResync(event) }
        let change = connections.apply(event)
        switch change {
        case .updated(let state):
            let policy = owner[state.token] ?? adopt(state)
            deliver(PolicyEvent(event, state: state), to: policy)
        case .closed(let state):
            guard let state else { return noteUnknown(event) }
            finishClosed(state, how: "closed")
        case .unknownConnection:
            noteUnknown(event)
        case .afterClose:
            counters.eventsAfterClose += 1
            logger.debug("event for a connection that already closed (the kernel sent it after CLOSED): \(event)")
        case .none:
            switch event {
            case .listenerCreated(let e): listeners.listenerCreated(e); broadcast(.listenerCreated(e))
            case .listenerClosed(let e): listeners.listenerClosed(e); broadcast(.listenerClosed(e))
            default: logger.debug("ignored event \(event)")
            }
        }
        if case .subflowClosed(let info) = event, info.error != nil || info.resetReason != nil {
            counters.subflowsFailed += 1
        }
    }

    /// One rtnetlink message from the network monitor.
    public func handle(_ message: RouteNetlinkMessage) {
        for event in network.apply(message) {
            observer?(.network(event))
            logger.info("network: \(event.networkDescription)")
            broadcast(event)
        }
    }

    func finishClosed(_ state: ConnectionState, how: String) {
        let policy = owner.removeValue(forKey: state.token)
        listeners.connectionClosed(state.token)
        logger.info("connection \(state.token) \(how) (\(state.local) -> \(state.remote))")
        if let policy { deliver(.connectionClosed(state.token), to: policy) }
    }

    // MARK: Liveness

    /// The kernel does not always say when a connection ends: after the peer's MP_FASTCLOSE
    /// neither CLOSED nor SUB_CLOSED arrives (seen on 6.18). So every `intervalMilliseconds`
    /// each known connection is looked up (GET_ADDR dump with its token); one the kernel no
    /// longer knows ("invalid token") is dropped as closed. Memory stays bounded by the
    /// connections that really exist.
    public func startLivenessChecks(intervalMilliseconds: UInt64) {
        livenessTimer?.cancel()
        livenessTimer = scheduler.schedule(afterMilliseconds: intervalMilliseconds) { [weak self] in
            guard let self else { return }
            self.checkLiveness()
            self.startLivenessChecks(intervalMilliseconds: intervalMilliseconds)
        }
    }

    /// Runs one liveness round now (a round still going on is replaced). At most
    /// `livenessWindow` lookups wait for their answer at a time, the next one going out as
    /// one comes back: each answer is a dump of up to a page, and thousands at once overflow
    /// the command socket, which loses them (seen with 4,000 connections).
    public func checkLiveness() {
        checkLiveness(of: connections.connections.keys.sorted())
    }

    /// The same for `tokens` only (those still in the table when their turn comes).
    public func checkLiveness(of tokens: [ConnectionToken]) {
        livenessRound &+= 1
        livenessQueue = tokens
        livenessNext = 0
        for _ in 0..<Self.livenessWindow { checkNextLiveness(round: livenessRound) }
    }

    public static let livenessWindow = 32

    private func checkNextLiveness(round: UInt64) {
        guard round == livenessRound else { return }
        // Tokens that left the table since the round began need no lookup.
        while livenessNext < livenessQueue.count, connections[livenessQueue[livenessNext]] == nil { livenessNext += 1 }
        guard livenessNext < livenessQueue.count else { return }
        let token = livenessQueue[livenessNext]
        livenessNext += 1
        kernel.submit(.dumpAddresses(token: token)) { [weak self] result in
            guard let self else { return }
            defer { self.checkNextLiveness(round: round) }
            self.logger.debug("liveness: connection \(token): \(result.map { "alive" })")
            guard case .failure(let error) = result, error.isInvalidToken,
                let state = self.connections.drop(token)
            else { return }
            self.counters.connectionsVanished += 1
            self.finishClosed(state, how: "is gone without a CLOSED event (e.g. the peer's MP_FASTCLOSE)")
        }
    }

    /// rtnetlink notifications were lost: the monitor re-dumps links and addresses, and what
    /// the new dump does not list is removed when `endNetworkResync()` is called.
    public func beginNetworkResync() { network.beginResync() }

    public func endNetworkResync() {
        for event in network.endResync() {
            observer?(.network(event))
            logger.info("network: \(event.networkDescription) (gone during the lost notifications)")
            broadcast(event)
        }
    }

    /// The kernel dropped events and nothing can rebuild the state (a replayed trace): say
    /// so, mark every connection stale and let policies know. The live daemon resynchronises
    /// from the kernel instead (Recovery/EventResynchroniser).
    public func eventsLost() {
        eventsOverrun()
        awaitingResync = false
        broadcast(.eventsLost)
    }

    /// A message that could not be decoded: counted and logged, never fatal.
    public func malformed(_ description: String) {
        counters.malformedMessages += 1
        logger.warning("dropped malformed netlink message: \(description)")
    }

    /// Stops every policy (reverse load order).
    public func stop() {
        livenessTimer?.cancel()
        for slot in policies.reversed() { slot.policy?.stop() }
    }

    private func noteUnknown(_ event: MPTCPEvent) {
        counters.eventsForUnknownConnections += 1
        logger.debug("event for a connection subflowd does not know (opened before it started?): \(event)")
    }

    /// Takes over a connection that existed before subflowd started, rebuilt from the kernel's
    /// socket diagnostics (Recovery/StartupRecovery): records `state`, picks its policy by the
    /// same rules as for a new connection, and tells that policy as if the kernel had just
    /// reported it — `.connectionEstablished`, or `.connectionCreated` while the connection is
    /// not fully established (its ESTABLISHED event is then still to come). A token the table
    /// already knows is left alone: returns false.
    @discardableResult
    public func adoptRecovered(_ state: ConnectionState) -> Bool {
        guard connections[state.token] == nil else { return false }
        connections[state.token] = state
        deliver(state.established ? .connectionEstablished(state) : .connectionCreated(state), to: adopt(state))
        return true
    }

    func adopt(_ state: ConnectionState) -> LoadedPolicy? {
        guard let fallback = policies.first else { return nil }
        let rule = selection.rule(for: state)
        let chosen = rule.flatMap { rule in policies.first { $0.name == rule.policy } } ?? fallback
        owner[state.token] = chosen
        let why = rule.map { "rule '\($0)'" } ?? "default policy"
        logger.info(
            "connection \(state.token) \(state.side) \(state.local) -> \(state.remote) handled by \(chosen.name) (\(why))"
        )
        return chosen
    }

    func deliver(_ event: PolicyEvent?, to slot: LoadedPolicy?) {
        guard let event, let slot else { return }
        slot.policy?.handle(event)
    }

    func broadcast(_ event: PolicyEvent) {
        for slot in policies { slot.policy?.handle(event) }
    }

    // MARK: Commands out

    func execute(_ command: PathCommand, for slot: LoadedPolicy) {
        guard var state = connections[command.token], owner[command.token] === slot else {
            return failLocally(command, for: slot, .unknownConnection)
        }
        let kernelCommand: MPTCPCommand
        do {
            kernelCommand = try CommandTranslation.kernelCommand(for: command, state: &state)
        } catch {
            return failLocally(command, for: slot, error)
        }
        connections[command.token] = state
        listeners.commandWillBeSent(kernelCommand, state: state)
        counters.commandsSent += 1
        logger.info("\(slot.name): \(command)")
        observer?(.commandSent(policy: slot.name, command, kernelCommand))
        kernel.submit(kernelCommand) { [weak self, weak slot] result in
            guard let self, let slot else { return }
            self.finish(command, kernelCommand, result, for: slot)
        }
    }

    private func finish(
        _ command: PathCommand, _ kernelCommand: MPTCPCommand, _ result: CommandResult, for slot: LoadedPolicy
    ) {
        listeners.commandAnswered(kernelCommand, result)
        switch result {
        case .success:
            if case .announce(let token, let entry) = kernelCommand, let id = entry.id, let address = entry.address {
                connections[token]?.announcedLocally[id] = SocketEndpoint(address, port: entry.port)
            }
            if case .remove(let token, let id) = kernelCommand {
                connections[token]?.announcedLocally[id] = nil
            }
            if case .createSubflow = command { counters.subflowsRequested += 1 }
            if case .destroySubflow(let token, let local, let remote) = command {
                forgetSubflow(token, local, remote)
            }
            logger.debug("\(slot.name): ok: \(command)")
        case .failure(let error):
            counters.commandsFailed += 1
            counters.commandErrors[error.errno, default: 0] += 1
            if case .createSubflow = command { counters.subflowRequestsFailed += 1 }
            if case .destroySubflow(let token, let local, let remote) = command, error.code == .noSuchProcess {
                forgetSubflow(token, local, remote)  // "subflow not found": it is gone already
            }
            logger.warning("\(slot.name): kernel refused \(command): \(error)")
        }
        observer?(.commandAnswered(policy: slot.name, command, kernelCommand, result))
        slot.policy?.commandCompleted(command, result: result)
    }

    /// The kernel does not always report SUB_CLOSED for a subflow it closed on our request:
    /// drop it from the state ourselves so the policy sees the path as free again.
    private func forgetSubflow(_ token: ConnectionToken, _ local: SocketEndpoint, _ remote: SocketEndpoint) {
        connections[token]?.subflows.removeAll { $0.local == local && $0.remote == remote }
    }

    private func failLocally(_ command: PathCommand, for slot: LoadedPolicy, _ failure: CommandTranslation.Failure) {
        let error = failure.kernelError
        counters.commandsFailed += 1
        logger.warning("\(slot.name): not sent: \(command): \(error)")
        observer?(.commandNotSent(policy: slot.name, command, error))
        // Report asynchronously: a policy must never be re-entered from inside its own send().
        _ = scheduler.schedule(afterMilliseconds: 0) { [weak slot] in
            slot?.policy?.commandCompleted(command, result: .failure(error))
        }
    }
}
