import MPTCPWire
import SubflowPolicy

/// What the manager does when the kernel's events were lost, and with recovered subflows on
/// addresses this host no longer has (Recovery/EventResynchroniser, Recovery/StartupRecovery).
extension PathManager {
    /// The kernel dropped events (`reports` ENOBUFS seen while draining the events socket):
    /// counted, logged once per burst, and every connection is marked stale until a resync
    /// confirms it.
    public func eventsOverrun(reports: Int) {
        counters.eventOverruns += reports
        connections.markAllStale()
        logger.error("""
            the kernel dropped MPTCP events (netlink receive buffer overrun, \(reports) report(s)); \
            \(connections.count) connection(s) marked stale until they are confirmed from the kernel. \
            Raise events-receive-buffer or reduce the event rate.
            """)
    }

    /// Applies the table side of a resync: vanished connections are dropped as closed (their
    /// policy hears `.connectionClosed`), kept ones take their refreshed state. Policies are
    /// told nothing else here; `finishEventResync` tells them all at once.
    public func applyResync(_ plan: ResyncPlan) {
        for token in plan.vanished {
            guard let state = connections.drop(token) else { continue }
            counters.connectionsDroppedByResync += 1
            finishClosed(state, how: "is gone (its CLOSED event was lost)")
        }
        for state in plan.kept where connections[state.token] != nil {
            connections[state.token] = state
        }
    }

    /// Ends a successful resync: every policy hears `.eventsLost` and re-evaluates its
    /// connections against the state just rebuilt.
    public func finishEventResync(adopted: Int) {
        counters.eventResyncs += 1
        counters.connectionsAdoptedByResync += adopted
        broadcast(.eventsLost)
    }

    /// A resync could not read the kernel: the state stays stale.
    public func eventResyncFailed() { counters.eventResyncFailures += 1 }

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
                logger.notice("""
                    recovery: connection \(token) has subflow \(subflow) on \(address), which this host no longer \
                    has or cannot use: policy \(slot.name) is told it is unusable
                    """)
                guard told.insert("\(slot.name) \(address)").inserted else { continue }
                let interface = network.interface(holding: address)?.index ?? subflow.interface ?? InterfaceIndex(0)
                let local = LocalAddress(address: address, interface: interface,
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
