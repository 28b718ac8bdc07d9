import MPTCPWire
import SubflowConfiguration
import SubflowPolicy

/// When the daemon first saw each connection (its CREATED or ESTABLISHED event), for the
/// `age` that `subflowctl connections` shows. Kept beside the PathManager's table, fed by
/// its observer, so the SDK's ConnectionState needs no field for it.
///
/// CLOSED removes an entry; connections the liveness check drops without a CLOSED are pruned
/// against the live table whenever this map has grown past it, so its size stays bounded by
/// the live connections.
struct ConnectionAges {
    private var firstSeen: [ConnectionToken: UInt64] = [:]

    /// Records `event`, seen at `now` (monotonic milliseconds). `live` tells which
    /// connections still exist.
    mutating func note(_ event: MPTCPEvent, now: UInt64, live: (ConnectionToken) -> Bool, liveCount: Int) {
        switch event {
        case .created(let info), .established(let info):
            if firstSeen[info.token] == nil {
                if firstSeen.count > liveCount + 16 { firstSeen = firstSeen.filter { live($0.key) } }
                firstSeen[info.token] = now
            }
        case .closed(let token):
            firstSeen[token] = nil
        default:
            break
        }
    }

    /// Seconds since the connection was first seen (nil if it never was: opened before the
    /// daemon started, or its first event was lost).
    func ageSeconds(_ token: ConnectionToken, now: UInt64) -> Double? {
        firstSeen[token].map { Double(now - min($0, now)) / 1000 }
    }

    var count: Int { firstSeen.count }
}
