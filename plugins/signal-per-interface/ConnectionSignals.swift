import SubflowPolicy

/// One connection's announcements as signal-per-interface sees them, and the ADD_ADDR /
/// RM_ADDR signals still to send, one at a time.
///
/// The kernel keeps at most one pending signal per connection: an ANNOUNCE (or REMOVE) that
/// arrives while the previous ADD_ADDR/RM_ADDR has not left yet loses its signal. So signals
/// leave in order, the next one no earlier than `notBefore` (the previous one's send time plus
/// the pacing interval) and never while one is waiting for the kernel's answer.
struct ConnectionSignals {
    enum Kind: Hashable, CustomStringConvertible {
        /// ADD_ADDR for the address (held by that interface), port 0: the peer joins the
        /// connection's own port.
        case announce(IPAddress, InterfaceIndex)
        /// RM_ADDR for the address's ID on this connection.
        case remove(IPAddress)

        var description: String {
            switch self {
            case .announce(let address, _): return "announce \(address)"
            case .remove(let address): return "remove \(address)"
            }
        }
    }

    struct Signal: Hashable {
        var kind: Kind
        /// 0 for the first try; n for the n-th re-send of a dropped ADD_ADDR.
        var attempt = 0
    }

    /// What the peer has been told or will be once the queue is sent: one address per interface.
    var advertised: [InterfaceIndex: IPAddress] = [:]
    /// The interface of the initial subflow, once seen among the usable addresses.
    var initialInterface: InterfaceIndex?
    var queue: [Signal] = []
    /// The signal sent and not answered yet, with the command that carries it.
    var inFlight: (signal: Signal, command: PathCommand)?
    /// Monotonic milliseconds before which no signal is sent.
    var notBefore: UInt64 = 0
    /// The pacing timer, while one is set.
    var timer: (any ScheduledTask)?

    /// The address is no longer to be announced: its queued announcements go, and an RM_ADDR
    /// is queued unless the peer never heard of it (its only announcement was still waiting
    /// for its first try). Returns whether an RM_ADDR was queued. A dropped ADD_ADDR counts as
    /// heard of: the kernel keeps it in its list and may still retransmit it.
    mutating func withdraw(_ address: IPAddress) -> Bool {
        let waiting = queue.filter { if case .announce(address, _) = $0.kind { return true } else { return false } }
        queue.removeAll { waiting.contains($0) }
        let told = waiting.isEmpty || waiting.contains { $0.attempt > 0 }
        if told { queue.append(Signal(kind: .remove(address))) }
        return told
    }

    /// The addresses announced (or to be), for matching joins and subflows.
    func isAdvertised(_ address: IPAddress) -> Bool { advertised.values.contains(address) }
}
