import MPTCPWire
import SubflowPolicy

/// What the manager does when the kernel's events were lost, and with recovered subflows on
/// addresses this host no longer has (Recovery/EventResynchroniser, Recovery/StartupRecovery).
extension PathManager {
    /// The kernel dropped events (an ENOBUFS on the events socket): counted; the first of a
    /// burst is logged and marks every connection stale until a resync confirms it. Until the
    /// resync, events update the table only (`applyAwaitingResync`).
    public func eventsOverrun() {
        counters.eventOverruns += 1
        guard !awaitingResync else { return }
        awaitingResync = true
        connections.markAllStale()
        logger.error(
            """
            the kernel dropped MPTCP events (netlink receive buffer overrun); \
            \(connections.count) connection(s) marked stale until they are confirmed from the kernel; \
            resynchronising once the events socket is drained. Raise events-receive-buffer or reduce the event rate.
            """)
    }

    /// An event read after an overrun and before the resync: it is older than the snapshot
    /// to come, which will correct whatever it gets wrong, so policies are not asked to act on
    /// it — that would mean commands for connections long gone (a drained backlog is mostly
    /// that) and decisions on a state known to be incomplete. The table still takes it, for
    /// what only events tell (the peer's announcements, the side, the deny-join flag); a
    /// connection that closed is dropped and its policy told at once.
    func applyAwaitingResync(_ event: MPTCPEvent) {
        switch connections.apply(event) {
        case .closed(let state?):
            finishClosed(state, how: "closed")
        case .none:
            switch event {
            case .listenerCreated(let e): listeners.listenerCreated(e)
            case .listenerClosed(let e): listeners.listenerClosed(e)
            default: break
            }
        case .updated, .closed(nil), .unknownConnection, .afterClose:
            break
        }
    }

    /// Applies the table side of a resync: vanished connections are dropped as closed (their
    /// policy hears `.connectionClosed`), kept ones take their refreshed state; a kept one
    /// whose CREATED was read after the overrun goes to its policy now, as a new connection
    /// would (those tokens are returned). Policies are told nothing else here;
    /// `finishEventResync` tells them all at once.
    @discardableResult
    public func applyResync(_ plan: ResyncPlan) -> [ConnectionToken] {
        var handedOver: [ConnectionToken] = []
        for token in plan.vanished {
            guard let state = connections.drop(token) else { continue }
            counters.connectionsDroppedByResync += 1
            finishClosed(state, how: "is gone (its CLOSED event was lost)")
        }
        for state in plan.kept where connections[state.token] != nil {
            connections[state.token] = state
            // Its CREATED was read after the overrun: its policy has not heard of it yet.
            if owner[state.token] == nil {
                deliver(state.established ? .connectionEstablished(state) : .connectionCreated(state), to: adopt(state))
                handedOver.append(state.token)
            }
        }
        return handedOver
    }

    /// Ends a successful resync: every policy hears `.eventsLost` and re-evaluates its
    /// connections against the state just rebuilt.
    public func finishEventResync(adopted: Int) {
        counters.eventResyncs += 1
        counters.connectionsAdoptedByResync += adopted
        awaitingResync = false
        broadcast(.eventsLost)
    }

    /// A resync could not read the kernel: the state stays stale, events reach policies again
    /// (better than nothing until a retry succeeds), and policies hear `.eventsLost`.
    public func eventResyncFailed() {
        counters.eventResyncFailures += 1
        awaitingResync = false
        broadcast(.eventsLost)
    }

    /// Recovered connections may carry subflows on a local address that went away while
    /// nobody listened (removed while subflowd was down, or while its events were lost). The
    /// live daemon would have told their policy the address is unusable, and the policy would
    /// have acted (fullmesh destroys such subflows): so each policy in charge of such a
    /// connection hears `.localAddressUnavailable` once per address. An address that is still
    /// assigned on a usable link is left alone, even when the filter excludes it: the live
    /// daemon never reports those either. Needs the network picture complete (call it once
    /// the monitor is synchronised). Returns the number of such subflows.
    @discardableResult
    public func retireUnusableSubflows(of tokens: [ConnectionToken]) -> Int {
        var told: Set<String> = []
        var found = 0
        for token in tokens.sorted() {
            guard let state = connections[token], let slot = owner[token] else { continue }
            for subflow in state.subflows {
                let address = subflow.local.address.unmappedIPv4 ?? subflow.local.address
                guard network.interface(holding: address)?.isUsable != true else { continue }
                found += 1
                logger.notice(
                    """
                    recovery: connection \(token) has subflow \(subflow) on \(address), which this host no longer \
                    has or cannot use: policy \(slot.name) is told it is unusable
                    """)
                guard told.insert("\(slot.name) \(address)").inserted else { continue }
                let interface = network.interface(holding: address)?.index ?? subflow.interface ?? InterfaceIndex(0)
                let local = LocalAddress(
                    address: address, interface: interface,
                    prefixLength: address.family == .ipv4 ? 32 : 128)
                observer?(.network(.localAddressUnavailable(local)))
                deliver(.localAddressUnavailable(local), to: slot)
            }
        }
        counters.recoveredSubflowsOnUnusableAddresses += found
        return found
    }
}

extension PathManager {
    /// The kernel link failed `commands` waiting commands: their answers were lost in an
    /// overrun of the command socket, or never came (`overrun` false).
    public func kernelAnswersLost(_ commands: Int, overrun: Bool) {
        if overrun { counters.replyOverruns += 1 }
        counters.commandsUnanswered += commands
    }
}
