/// What must be in place before subflowd tells systemd READY=1. Two things finish on their
/// own schedule once the loop runs, in either order, and each needs the other for a true
/// picture: recovered connections are judged against the host's addresses, and liveness
/// checks only make sense once both exist.
struct StartupReadiness {
    enum Piece: CaseIterable, Hashable, CustomStringConvertible {
        /// The mptcp_pm family is resolved, its events group joined, the namespace switched
        /// (if asked) and the connections that already existed recovered.
        case kernelLinkRecovered
        /// The network monitor's first dump of interfaces and addresses is complete.
        case networkSynchronised

        var description: String {
            switch self {
            case .kernelLinkRecovered: return "kernel link recovered"
            case .networkSynchronised: return "network synchronised"
            }
        }
    }

    /// The pieces still missing.
    private(set) var missing: Set<Piece> = Set(Piece.allCases)
    /// READY=1 has been (or is being) sent: start-up is over.
    private(set) var isReady = false

    /// Records that `piece` is in place. True exactly once: when this completes the set, which
    /// is when READY=1 goes to systemd. A piece reported again, or after READY, changes nothing.
    mutating func markReady(_ piece: Piece) -> Bool {
        guard !isReady else { return false }
        missing.remove(piece)
        guard missing.isEmpty else { return false }
        isReady = true
        return true
    }
}
