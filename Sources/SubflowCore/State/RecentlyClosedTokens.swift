import SubflowPolicy

/// The tokens of the connections that closed most recently, oldest forgotten first.
///
/// Why: the kernel sends ESTABLISHED (and ANNOUNCED) from its path-manager worker, after the
/// handshake, while CLOSED is sent from the socket's own teardown; a connection that ends
/// within a few hundred milliseconds of opening can therefore be reported CLOSED *before*
/// ESTABLISHED (seen under bench/storm.sh: CLOSED at +3.678 s, ESTABLISHED at +4.105 s for the
/// same token). Without this record the late ESTABLISHED re-created the connection, which then
/// stayed in the table for good — a phantom that policies kept trying to join. Tokens are
/// random 32-bit values, so a CREATED for a remembered token is a new connection and clears it.
///
/// The capacity bounds memory (about 12 bytes a token); ConnectionTable keeps 16,384, which
/// cover several seconds of closes at the highest connection rates measured on this project's
/// machines.
struct RecentlyClosedTokens {
    private var ring: [ConnectionToken?]
    private var next = 0
    private var members: Set<ConnectionToken> = []

    init(capacity: Int) {
        precondition(capacity > 0)
        ring = Array(repeating: nil, count: capacity)
        members.reserveCapacity(capacity)
    }

    func contains(_ token: ConnectionToken) -> Bool { members.contains(token) }

    mutating func insert(_ token: ConnectionToken) {
        guard !members.contains(token) else { return }
        if let oldest = ring[next] { members.remove(oldest) }
        ring[next] = token
        members.insert(token)
        next = (next + 1) % ring.count
    }

    /// Forgets `token` (a CREATED for it: the kernel reused the value for a new connection).
    /// Its ring slot is left to age out; `contains` is what counts.
    mutating func remove(_ token: ConnectionToken) {
        members.remove(token)
    }
}
