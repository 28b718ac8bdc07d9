import Logging
import MPTCPWire
import SubflowCore
import SubflowPolicy
import SubflowSimulation
import SubflowSystem

/// Feeds a recorded trace through the same decoder, state tracking, dispatcher and policy
/// plugins as the live daemon, against a simulated kernel, on the recording's clock: timers
/// fire when the recording's time passes them, and nothing reads the wall clock, so the same
/// trace and policies always give the same commands.
public final class ReplaySession {
    public struct Policy {
        public var registration: PolicyRegistration
        public var settings: PolicySettings
        public var origin: String
        public init(registration: PolicyRegistration, settings: PolicySettings, origin: String) {
            self.registration = registration; self.settings = settings; self.origin = origin
        }
    }

    /// A command the live daemon sent in the recording (userspace path-manager commands only).
    public struct LiveCommand: Hashable, Sendable {
        public var offsetMilliseconds: UInt64
        public var command: MPTCPCommand
    }

    public struct Report {
        /// Commands the policies issued during the replay, in order.
        public var commands: [ReplayedCommand]
        /// Commands the live daemon sent, as recorded.
        public var liveCommands: [LiveCommand]
        public var eventsReplayed: Int
        public var routeMessagesReplayed: Int
        public var records: Int
    }

    private let policies: [Policy]
    private let rules: [PolicyRule]
    private let filter: AddressFilter
    private let useRecordedReplies: Bool
    private let logger: Logger

    public init(
        policies: [Policy], rules: [PolicyRule] = [], filter: AddressFilter = AddressFilter(),
        useRecordedReplies: Bool = false, logger: Logger? = nil
    ) {
        self.policies = policies
        self.rules = rules
        self.filter = filter
        self.useRecordedReplies = useRecordedReplies
        self.logger = logger ?? Logger(label: "replay", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Replays `records` (in file order). `pace` is called before each record with the
    /// recording's time offset, so a caller can slow the replay down (`--speed`).
    public func run(_ records: [TraceRecord], pace: (UInt64) -> Void = { _ in }) throws(TraceError) -> Report {
        let start = (records.first?.timestampMicroseconds ?? 0) / 1000
        let scheduler = ManualScheduler(startMilliseconds: start)
        let kernel = ReplayKernel(scheduler: scheduler, start: start)
        kernel.useRecordedReplies = useRecordedReplies
        let manager = PathManager(kernel: kernel, scheduler: scheduler, logger: logger, filter: filter)
        for policy in policies {
            do { try manager.load(policy.registration, settings: policy.settings, origin: policy.origin) } catch {
                throw TraceError(record: nil, "\(error)")
            }
        }
        manager.selection = PolicySelection(rules: rules)
        kernel.policyName = { [unowned manager] in manager.policyName(for: $0) }

        var decoder = TraceDecoder()
        var live: [LiveCommand] = []
        var liveBySequence: [UInt32: MPTCPCommand] = [:]
        var events = 0, routes = 0
        for (index, record) in records.enumerated() {
            let now = max(record.timestampMicroseconds / 1000, scheduler.nowMilliseconds)
            pace(now - start)
            scheduler.advance(to: now)
            for item in try decoder.decode(record, number: index + 1) {
                switch item {
                case .event(let event):
                    switch event {
                    case .created(let info), .established(let info): kernel.simulation.connections.insert(info.token)
                    case .closed(let token): kernel.simulation.connections.remove(token)
                    default: break
                    }
                    manager.handle(event)
                    events += 1
                case .route(let message):
                    manager.handle(message)
                    routes += 1
                case .command(let sequence, let command):
                    liveBySequence[sequence] = command
                    if command.isPathManagement {
                        live.append(LiveCommand(offsetMilliseconds: now - start, command: command))
                    }
                case .reply(let sequence, let result):
                    if let command = liveBySequence.removeValue(forKey: sequence) {
                        kernel.recordedAnswers.append((command, result))
                    }
                case .lostEvents:
                    manager.eventsLost()
                }
            }
            scheduler.runDue()
        }
        manager.stop()
        let commands = kernel.issued.filter { $0.command.isPathManagement }.map { issued in
            ReplayedCommand(
                offsetMilliseconds: issued.offsetMilliseconds, policy: issued.policy,
                command: issued.command, result: issued.result)
        }
        return Report(
            commands: commands, liveCommands: live, eventsReplayed: events,
            routeMessagesReplayed: routes, records: records.count)
    }
}

extension MPTCPCommand {
    /// The userspace path-manager commands a policy issues (not the daemon's own queries).
    public var isPathManagement: Bool {
        switch self {
        case .announce, .remove, .subflowCreate, .subflowDestroy: return true
        case .setFlags(let token, _, _): return token != nil
        default: return false
        }
    }
}
