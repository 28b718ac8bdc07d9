import Logging
import SubflowPolicy

/// One policy instance and the context it sees. The context is a thin view of the
/// PathManager, restricted to the connections this policy is in charge of.
final class LoadedPolicy: PolicyContext {
    let name: String
    let origin: String
    private(set) var policy: (any PathPolicy)?
    unowned let manager: PathManager
    let logger: Logger

    init(name: String, origin: String, manager: PathManager, logger: Logger) {
        self.name = name; self.origin = origin; self.manager = manager; self.logger = logger
    }

    func attach(_ policy: any PathPolicy) { self.policy = policy }

    /// Drops the policy. Policies keep their context (this slot) strongly, so a slot that is
    /// replaced or whose manager goes away must let go of its policy, or the two keep each
    /// other alive for ever (found by AddressSanitizer's leak check: every reload leaked).
    func detach() { policy = nil }

    func connection(_ token: ConnectionToken) -> ConnectionState? {
        manager.policyName(for: token) == name ? manager.connections[token] : nil
    }

    var connections: [ConnectionState] {
        manager.connections.connections.values
            .filter { manager.policyName(for: $0.token) == name }
            .sorted { $0.token < $1.token }
    }

    var interfaces: [NetworkInterface] { manager.network.sortedInterfaces }
    var usableAddresses: [LocalAddress] { manager.network.usableAddresses }
    var nowMilliseconds: UInt64 { manager.scheduler.nowMilliseconds }

    func send(_ command: PathCommand) { manager.execute(command, for: self) }

    @discardableResult
    func schedule(afterMilliseconds milliseconds: UInt64, _ action: @escaping () -> Void) -> any ScheduledTask {
        manager.scheduler.schedule(afterMilliseconds: milliseconds, action)
    }

    func log(_ level: LogLevel, _ message: String) {
        logger.log(level: level.loggerLevel, "\(name): \(message)")
    }
}

extension LogLevel {
    var loggerLevel: Logger.Level {
        switch self {
        case .debug: return .debug
        case .info: return .info
        case .notice: return .notice
        case .warning: return .warning
        case .error: return .error
        }
    }
}
