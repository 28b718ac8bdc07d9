import MPTCPWire
import SubflowCore
import SubflowPolicy

/// The kernel during a replay. It answers each command either the way the real userspace
/// path manager would (`SimulatedKernel`: same errno, same extended-ack text), or — when
/// asked to replay the recorded replies — with the answer the live kernel gave to the same
/// command in the recording, falling back to the simulation for commands the live daemon
/// never sent. Every command is kept, with its time and answer, for the report.
public final class ReplayKernel: PathManagerKernel {
    public struct Issued: Sendable {
        public var offsetMilliseconds: UInt64
        public var policy: String
        public var command: MPTCPCommand
        public var result: CommandResult
    }

    /// Which policy owns a connection, asked when a command is issued (the connection may be
    /// gone by the end of the replay).
    public var policyName: (ConnectionToken) -> String? = { _ in nil }

    private let scheduler: ManualScheduler
    private let start: UInt64
    public let simulation: SimulatedKernel
    /// Live answers by command, consumed in recording order.
    public var recordedAnswers: [(command: MPTCPCommand, result: CommandResult)] = []
    public var useRecordedReplies = false
    public private(set) var issued: [Issued] = []

    public init(scheduler: ManualScheduler, start: UInt64) {
        self.scheduler = scheduler
        self.start = start
        self.simulation = SimulatedKernel(scheduler: scheduler)
    }

    public func submit(_ command: MPTCPCommand, completion: @escaping (CommandResult) -> Void) {
        var result = simulation.answer(command)
        if useRecordedReplies, let index = recordedAnswers.firstIndex(where: { $0.command == command }) {
            result = recordedAnswers.remove(at: index).result
        }
        issued.append(
            Issued(
                offsetMilliseconds: scheduler.nowMilliseconds - start,
                policy: command.token.flatMap(policyName) ?? "-", command: command, result: result))
        _ = scheduler.schedule(afterMilliseconds: 0) { completion(result) }
    }
}
