/// When the network monitor sends its rtnetlink dumps and when its picture of the host is
/// whole: links first (so that addresses find their interface), then addresses; one dump at
/// a time (the kernel runs one dump per socket and answers a second with EBUSY); after lost
/// notifications the whole sequence again.
///
/// The first complete sequence is the start-up's "network synchronised" — also when
/// notifications were lost during it (then the sequence that completes is the re-dump, and it
/// reports both: the resync ends and the picture is whole; reporting only the resync left the
/// daemon waiting for READY for ever).
struct RouteDumpSequence {
    enum Dump: Equatable { case links, addresses }

    enum Action: Equatable {
        /// Send this dump request now.
        case request(Dump)
        /// The re-dump after lost notifications is complete.
        case resynchronised
        /// The first complete picture of the host (once).
        case synchronised
    }

    private var pending: [Dump] = []
    private var inFlight = false
    private var resyncing = false
    private(set) var synchronisedOnce = false

    /// Start-up: the first sequence.
    mutating func start() -> [Action] {
        pending = [.links, .addresses]
        return inFlight ? [] : next()
    }

    /// Notifications were lost: every dump again, after the one in flight (if any) ends.
    mutating func notificationsLost() -> [Action] {
        resyncing = true
        return start()
    }

    /// The dump in flight ended (NLMSG_DONE, or an error instead of it, or its request could
    /// not be sent).
    mutating func dumpEnded() -> [Action] {
        inFlight = false
        return next()
    }

    private mutating func next() -> [Action] {
        if !pending.isEmpty {
            inFlight = true
            return [.request(pending.removeFirst())]
        }
        var actions: [Action] = []
        if resyncing {
            resyncing = false
            actions.append(.resynchronised)
        }
        if !synchronisedOnce {
            synchronisedOnce = true
            actions.append(.synchronised)
        }
        return actions
    }
}
