/// What a policy asks the kernel to do, one userspace path-manager command each.
public enum PathCommand: Sendable, Hashable, CustomStringConvertible {
    /// MPTCP_PM_CMD_ANNOUNCE: the peer receives ADD_ADDR for `endpoint` (port 0: the peer
    /// reuses the connection's port). `id` nil lets subflowd pick the address's ID on this
    /// connection (never 0). The kernel opens no listener for it; subflowd makes sure an MPTCP
    /// listener covers the address and port (its own if no application's does) for as long as
    /// the connection keeps the address announced.
    case announce(ConnectionToken, endpoint: SocketEndpoint, id: AddressID? = nil, interface: InterfaceIndex? = nil)
    /// MPTCP_PM_CMD_REMOVE: the peer receives RM_ADDR for this local address ID.
    /// It does not close local subflows on that address: destroy them too.
    case remove(ConnectionToken, id: AddressID)
    /// MPTCP_PM_CMD_SUBFLOW_CREATE: send MP_JOIN from `local` to `remote`. Success means the
    /// SYN left; the outcome arrives as subflowEstablished or subflowClosed. `localID` nil lets
    /// subflowd choose under the kernel's rules (the initial address keeps 0, a known address
    /// keeps its ID, a new one gets the lowest free ID).
    case createSubflow(
        ConnectionToken, local: IPAddress, remote: SocketEndpoint, localID: AddressID? = nil,
        backup: Bool = false, interface: InterfaceIndex? = nil)
    /// MPTCP_PM_CMD_SUBFLOW_DESTROY: close the subflow with this exact 4-tuple.
    case destroySubflow(ConnectionToken, local: SocketEndpoint, remote: SocketEndpoint)
    /// MPTCP_PM_CMD_SET_FLAGS with a token: set or clear the backup flag of the subflow
    /// from `local` to `remote`; the kernel sends MP_PRIO to the peer.
    case setBackup(ConnectionToken, local: SocketEndpoint, remote: SocketEndpoint, backup: Bool)

    public var token: ConnectionToken {
        switch self {
        case .announce(let t, _, _, _), .remove(let t, _), .createSubflow(let t, _, _, _, _, _),
            .destroySubflow(let t, _, _), .setBackup(let t, _, _, _):
            return t
        }
    }

    public var description: String {
        switch self {
        case .announce(let t, let e, let id, let i):
            return "announce token=\(t) addr=\(e)" + (id.map { " id=\($0)" } ?? "") + (i.map { " dev=\($0)" } ?? "")
        case .remove(let t, let id):
            return "remove token=\(t) id=\(id)"
        case .createSubflow(let t, let l, let r, let id, let b, let i):
            return "create-subflow token=\(t) local=\(l)" + (id.map { " local-id=\($0)" } ?? "")
                + " remote=\(r)" + (b ? " backup" : "") + (i.map { " dev=\($0)" } ?? "")
        case .destroySubflow(let t, let l, let r):
            return "destroy-subflow token=\(t) local=\(l) remote=\(r)"
        case .setBackup(let t, let l, let r, let b):
            return "set-backup token=\(t) local=\(l) remote=\(r) backup=\(b ? 1 : 0)"
        }
    }
}

/// The outcome of one command, handed back to the policy that issued it.
public typealias CommandResult = Result<Void, KernelError>
