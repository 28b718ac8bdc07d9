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
    case createSubflow(ConnectionToken, local: IPAddress, remote: SocketEndpoint, localID: AddressID? = nil,
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

/// The kernel's answer to one command: its errno and its extended-ack text.
public struct KernelError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Positive errno value (22 for EINVAL).
    public var errno: Int32
    /// The kernel's extended-ack message, e.g. "invalid token" (nil if it sent none).
    public var message: String?
    public init(errno: Int32, message: String? = nil) { self.errno = errno; self.message = message }
    public var description: String {
        let name = KernelError.errnoNames[errno] ?? "errno \(errno)"
        return message.map { "\(name): \($0)" } ?? name
    }

    /// The errno names a path manager meets; others print as "errno N".
    public static let errnoNames: [Int32: String] = [
        1: "EPERM", 2: "ENOENT", 3: "ESRCH", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 16: "EBUSY",
        17: "EEXIST", 19: "ENODEV", 22: "EINVAL", 28: "ENOSPC", 34: "ERANGE", 95: "EOPNOTSUPP",
        97: "EAFNOSUPPORT", 98: "EADDRINUSE", 99: "EADDRNOTAVAIL", 101: "ENETUNREACH", 103: "ECONNABORTED",
        104: "ECONNRESET", 105: "ENOBUFS", 107: "ENOTCONN", 110: "ETIMEDOUT", 111: "ECONNREFUSED",
        113: "EHOSTUNREACH",
    ]
}

/// The outcome of one command, handed back to the policy that issued it.
public typealias CommandResult = Result<Void, KernelError>
