import SubflowPolicy

/// Where the core opens and closes the MPTCP listening sockets that make announced addresses
/// joinable: real sockets in the daemon, `SimulatedListeners` in tests and replay.
///
/// Why they are needed: the kernel answers an MP_JOIN SYN only on a socket that listens with
/// IPPROTO_MPTCP on the SYN's destination address and port (or a wildcard covering it);
/// without one the join is reset. It creates no such socket for a userspace path manager's
/// ANNOUNCE. A join that completes is attached to its connection by token and never enters
/// the listener's accept queue, so such a socket works without anyone calling accept().
public protocol ListenerBackend: AnyObject {
    /// Opens an MPTCP socket listening on `endpoint` (SO_REUSEADDR). The kernel then sends
    /// MPTCP_EVENT_LISTENER_CREATED for it, as for any MPTCP listener.
    func openListener(on endpoint: SocketEndpoint) -> ListenerOpenResult
    /// Closes the socket `openListener` opened on `endpoint` (the kernel sends
    /// MPTCP_EVENT_LISTENER_CLOSED). Established subflows accepted through it are not affected.
    func closeListener(on endpoint: SocketEndpoint)
}

/// What `ListenerBackend.openListener(on:)` achieved.
public enum ListenerOpenResult: Sendable, Hashable, CustomStringConvertible {
    /// subflowd now listens there.
    case opened
    /// bind() failed with EADDRINUSE: another socket already listens on that address and port
    /// or on a wildcard address that overlaps it.
    case inUse
    /// Any other failure (e.g. EADDRNOTAVAIL: the address is not assigned here).
    case failed(errno: Int32, reason: String)

    public var description: String {
        switch self {
        case .opened: return "opened"
        case .inUse: return "address in use"
        case .failed(_, let reason): return reason
        }
    }
}
