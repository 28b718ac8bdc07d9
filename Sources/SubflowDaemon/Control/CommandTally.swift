import MPTCPWire
import SubflowConfiguration
import SubflowCore
import SubflowPolicy

/// Policy commands by kind and outcome, counted from the PathManager's observer (its own
/// `Counters` count sent and failed commands, not which kind): `SUBFLOW_CREATE`/`ok`,
/// `ANNOUNCE`/`error`, `REMOVE`/`not_sent` (refused before reaching the kernel, e.g. for a
/// connection that is already gone).
struct CommandTally {
    struct Key: Hashable, Comparable {
        var command: String
        var result: String
        static func < (a: Key, b: Key) -> Bool { (a.command, a.result) < (b.command, b.result) }
    }

    /// The kernel commands policies can cause, for series that exist before their first use.
    static let kinds = ["ANNOUNCE", "REMOVE", "SET_FLAGS", "SUBFLOW_CREATE", "SUBFLOW_DESTROY"]
    static let results = ["ok", "error", "not_sent"]

    private(set) var counts: [Key: Int] = [:]

    mutating func note(_ observation: PathManager.Observation) {
        switch observation {
        case .commandAnswered(_, _, let command, let result):
            let outcome: String
            switch result {
            case .success: outcome = "ok"
            case .failure: outcome = "error"
            }
            counts[Key(command: command.number.name, result: outcome), default: 0] += 1
        case .commandNotSent(_, let command, _):
            counts[Key(command: Self.kernelName(of: command), result: "not_sent"), default: 0] += 1
        case .event, .network, .commandSent:
            break
        }
    }

    /// Every kind × result, zeros included, sorted.
    var all: [(key: Key, count: Int)] {
        var keys = Set(counts.keys)
        for kind in Self.kinds { for result in Self.results { keys.insert(Key(command: kind, result: result)) } }
        return keys.sorted().map { ($0, counts[$0] ?? 0) }
    }

    /// The kernel command a policy command becomes.
    static func kernelName(of command: PathCommand) -> String {
        switch command {
        case .announce: "ANNOUNCE"
        case .remove: "REMOVE"
        case .createSubflow: "SUBFLOW_CREATE"
        case .destroySubflow: "SUBFLOW_DESTROY"
        case .setBackup: "SET_FLAGS"
        }
    }
}
