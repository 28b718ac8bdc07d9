import SubflowPolicy

/// ndiffports: N subflows between the connection's initial addresses, each with its own
/// source port, so that ECMP hashing in the network may spread them over different paths.
/// (The idea of the out-of-tree Linux MPTCP "ndiffports" path manager.)
///
/// Settings (`--set ndiffports.KEY=VALUE`):
///   subflows   total subflows per connection, the initial one included (default 4, 1...32)
public final class NDiffPorts: PathPolicy {
    private let context: any PolicyContext
    private let target: Int
    /// Joins sent and not answered yet, per connection: the kernel reports the outcome later
    /// as a subflowEstablished or subflowClosed event.
    private var pending: [ConnectionToken: Int] = [:]
    /// Joins that failed, per connection: stop after a few so a refusing peer is not hammered.
    private var failures: [ConnectionToken: Int] = [:]
    private static let maximumFailures = 3

    public init(context: any PolicyContext, settings: PolicySettings) throws {
        self.context = context
        self.target = try settings.integer("subflows", default: 4, range: 1...32)
    }

    public func handle(_ event: PolicyEvent) {
        switch event {
        case .connectionEstablished(let connection):
            topUp(connection.token)
        case .subflowEstablished(let token, _):
            pending[token] = max(0, (pending[token] ?? 0) - 1)
        case .subflowClosed(let token, let subflow):
            if subflow.error != nil || subflow.resetReason != nil {
                failures[token, default: 0] += 1
            }
            pending[token] = max(0, (pending[token] ?? 0) - 1)
            topUp(token)
        case .connectionClosed(let token):
            pending[token] = nil
            failures[token] = nil
        default:
            break  // network events: ndiffports only uses the initial addresses
        }
    }

    public func commandCompleted(_ command: PathCommand, result: CommandResult) {
        guard case .createSubflow(let token, _, _, _, _, _) = command, case .failure(let error) = result else { return }
        context.log(.warning, "token \(token): join refused by the kernel: \(error)")
        pending[token] = max(0, (pending[token] ?? 0) - 1)
        failures[token, default: 0] += 1
    }

    /// Opens joins over the initial address pair until the connection has `target` subflows.
    private func topUp(_ token: ConnectionToken) {
        guard let connection = context.connection(token), connection.established,
            connection.side == .client, !connection.denyJoinInitialEndpoint
        else { return }
        guard (failures[token] ?? 0) < Self.maximumFailures else { return }
        let onInitialPair = connection.subflows.filter {
            $0.local.address == connection.local.address && $0.remote == connection.remote
        }.count
        let missing = target - onInitialPair - (pending[token] ?? 0)
        guard missing > 0 else { return }
        context.log(
            .info,
            "token \(token): \(onInitialPair) of \(target) subflows on \(connection.local.address) -> \(connection.remote); opening \(missing)"
        )
        for _ in 0..<missing {
            pending[token, default: 0] += 1
            // Local ID 0: the initial address. The kernel picks a fresh source port each time.
            context.send(
                .createSubflow(token, local: connection.local.address, remote: connection.remote, localID: .initial))
        }
    }
}
