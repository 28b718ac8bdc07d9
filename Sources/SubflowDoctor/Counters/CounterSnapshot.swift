import SubflowSystem

/// The namespace's `MPTcpExt` and `TcpExt` counters at one moment, keyed by full name
/// (`MPTcpExtBlackhole`, `TcpExtIPReversePathFilter`). Read from /proc/net/netstat of the
/// namespace the calling thread is in — never through nstat, whose history file in /tmp is
/// shared by every namespace.
public struct CounterSnapshot: Sendable, Hashable {
    public static let groups = ["MPTcpExt", "TcpExt"]

    public var values: [String: UInt64]

    public init(values: [String: UInt64]) { self.values = values }

    /// Parses the text of /proc/net/netstat.
    public init(netstat text: String) {
        var all: [String: UInt64] = [:]
        for group in Self.groups {
            for (name, value) in NetstatCounters.parse(text, group: group) { all[group + name] = value }
        }
        values = all
    }

    /// Reads the counters now (no cache: `--watch` and `--probe` compare two readings).
    public static func read() throws(SystemError) -> CounterSnapshot {
        CounterSnapshot(netstat: try TextFile.read(NetstatCounters.path))
    }

    public subscript(name: String) -> UInt64? { values[name] }
}

/// How one counter moved between two snapshots.
public struct CounterChange: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var before: UInt64
    public var after: UInt64
    public var delta: UInt64 { after - before }

    /// `MPTcpExtMPJoinSynTx +12 (0 → 12)`.
    public var description: String { "\(name) +\(delta) (\(before) → \(after))" }
}

extension CounterSnapshot {
    /// The counters that rose from `earlier` to `self`, by name, gauges excluded. A counter
    /// missing from either snapshot (not on this kernel) or lower than before (the namespace
    /// was re-created in between) is no change.
    public func changes(since earlier: CounterSnapshot) -> [String: CounterChange] {
        var out: [String: CounterChange] = [:]
        for (name, after) in values where !CounterMeanings.gauges.contains(name) {
            guard let before = earlier.values[name], after > before else { continue }
            out[name] = CounterChange(name: name, before: before, after: after)
        }
        return out
    }
}
