import MPTCPWire
import SubflowPolicy

extension PolicyEvent {
    /// The policy's view of a kernel event, given the connection state after the event.
    init?(_ event: MPTCPEvent, state: ConnectionState) {
        switch event {
        case .created: self = .connectionCreated(state)
        case .established: self = .connectionEstablished(state)
        case .closed(let token): self = .connectionClosed(token)
        case .announced(let token, let id, let endpoint): self = .peerAnnounced(token, id: id, endpoint: endpoint)
        case .removed(let token, let id): self = .peerRemoved(token, id: id)
        case .subflowEstablished(let info): self = .subflowEstablished(info.token, Subflow(info))
        case .subflowClosed(let info): self = .subflowClosed(info.token, Subflow(info))
        case .subflowPriority(let info): self = .subflowPriorityChanged(info.token, Subflow(info))
        case .listenerCreated(let e): self = .listenerCreated(e)
        case .listenerClosed(let e): self = .listenerClosed(e)
        case .unknown: return nil
        }
    }

    /// One line for the log, for network events.
    var networkDescription: String {
        switch self {
        case .interfaceAdded(let i):
            return "interface \(i) added\(i.isUsable ? "" : " (not usable: down or no carrier)")"
        case .interfaceChanged(let i): return "interface \(i) changed: \(i.isUsable ? "usable" : "down or no carrier")"
        case .interfaceRemoved(let i): return "interface \(i) removed"
        case .localAddressAvailable(let a): return "address \(a) usable"
        case .localAddressUnavailable(let a): return "address \(a) no longer usable"
        default: return String(describing: self)
        }
    }
}
