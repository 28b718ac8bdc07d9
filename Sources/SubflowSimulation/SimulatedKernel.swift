import MPTCPWire
import SubflowCore
import SubflowPolicy

/// A kernel double for tests and replay: records every command and answers the way the
/// userspace path manager of Linux 6.18 does where it matters to policies — same errno,
/// same extended-ack text (`net/mptcp/pm_userspace.c`).
public final class SimulatedKernel: PathManagerKernel {
    private let scheduler: any Scheduler
    /// Commands received, in order.
    public private(set) var commands: [MPTCPCommand] = []
    /// Connections the kernel knows (tokens valid for commands).
    public var connections: Set<ConnectionToken> = []
    /// Answers to force for specific commands (e.g. to test retries).
    public var forcedFailures: [(matches: (MPTCPCommand) -> Bool, error: KernelError)] = []
    /// Per-connection local address table: ID → address, like the kernel's
    /// `userspace_pm_local_addr_list`.
    private var localAddresses: [ConnectionToken: [AddressID: IPAddress]] = [:]

    public init(scheduler: any Scheduler) { self.scheduler = scheduler }

    public func submit(_ command: MPTCPCommand, completion: @escaping (CommandResult) -> Void) {
        commands.append(command)
        let result = answer(command)
        _ = scheduler.schedule(afterMilliseconds: 0) { completion(result) }
    }

    public func answer(_ command: MPTCPCommand) -> CommandResult {
        if let forced = forcedFailures.first(where: { $0.matches(command) }) { return .failure(forced.error) }
        func fail(_ code: KernelError.Code, _ text: String) -> CommandResult {
            .failure(KernelError(code: code, message: text))
        }
        switch command {
        case .announce(let token, let entry):
            guard connections.contains(token) else { return fail(.invalidArgument, MPTCPKernelMessage.invalidToken) }
            guard let id = entry.id, id != .initial else { return fail(.invalidArgument, "invalid addr id") }
            guard entry.flags.contains(.signal) else { return fail(.invalidArgument, "invalid addr flags") }
            return record(token, id, entry.address)
        case .remove(let token, let id):
            guard connections.contains(token) else { return fail(.invalidArgument, MPTCPKernelMessage.invalidToken) }
            if id != .initial && localAddresses[token]?[id] == nil {
                return fail(.invalidArgument, "address with id \(id) not found")
            }
            localAddresses[token]?[id] = nil
            return .success(())
        case .subflowCreate(let token, let local, let remote):
            guard connections.contains(token) else { return fail(.invalidArgument, MPTCPKernelMessage.invalidToken) }
            guard !local.flags.contains(.signal) else { return fail(.invalidArgument, "invalid addr flags") }
            guard local.family == remote.family else { return fail(.invalidArgument, "families mismatch") }
            return record(token, local.id ?? .initial, local.address)
        case .subflowDestroy(let token, let local, let remote):
            guard connections.contains(token) else { return fail(.invalidArgument, MPTCPKernelMessage.invalidToken) }
            guard local.port != 0 else { return fail(.invalidArgument, "missing local port") }
            guard remote.port != 0 else { return fail(.invalidArgument, "missing remote port") }
            return .success(())
        case .setFlags(let token, _, let remote):
            if let token, !connections.contains(token) {
                return fail(.invalidArgument, MPTCPKernelMessage.invalidToken)
            }
            if token != nil && remote == nil { return fail(.invalidArgument, "missing remote address") }
            return .success(())
        case .dumpAddresses(let token?), .getAddress(let token?, _):
            guard connections.contains(token) else { return fail(.invalidArgument, MPTCPKernelMessage.invalidToken) }
            return .success(())
        default:
            return .success(())
        }
    }

    /// The kernel's `append_new_local_addr` rule: an address and an ID must either both match
    /// one entry or both be new.
    private func record(_ token: ConnectionToken, _ id: AddressID, _ address: IPAddress?) -> CommandResult {
        guard let address, id != .initial else { return .success(()) }
        var table = localAddresses[token] ?? [:]
        let byID = table[id]
        let byAddress = table.first { $0.value == address }?.key
        if byID == nil && byAddress == nil {
            table[id] = address
            localAddresses[token] = table
            return .success(())
        }
        if byID == address && byAddress == id { return .success(()) }
        return .failure(KernelError(code: .invalidArgument, message: MPTCPKernelMessage.addressAndIDMismatch))
    }
}
