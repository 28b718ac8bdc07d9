import SubflowPolicy

/// One message of the kernel's `mptcp_pm_events` multicast group, decoded and checked.
/// Build it with `MPTCPEventDecoder.decode`; `MPTCPEventAttributes` keeps every raw field.
public enum MPTCPEvent: Sendable, Hashable {
    /// MPTCP_EVENT_CREATED: a connection exists (client: at connect; server: when the
    /// MP_CAPABLE handshake completes). Subflows cannot be created yet.
    case created(ConnectionEventInfo)
    /// MPTCP_EVENT_ESTABLISHED: fully established; SUBFLOW_CREATE and ANNOUNCE now work.
    case established(ConnectionEventInfo)
    /// MPTCP_EVENT_CLOSED: the connection is gone (sent when the application closes it).
    /// Seen on 6.18: when the *peer* aborts the connection (MP_FASTCLOSE, e.g. close() with
    /// SO_LINGER 0), the local side gets neither CLOSED nor SUB_CLOSED, even once the
    /// application closes its socket: a path manager must not rely on this event alone.
    case closed(ConnectionToken)
    /// MPTCP_EVENT_ANNOUNCED: the peer sent ADD_ADDR. `endpoint.port` is the announced port,
    /// or the current subflow's remote port when the ADD_ADDR carried none.
    case announced(token: ConnectionToken, id: AddressID, endpoint: SocketEndpoint)
    /// MPTCP_EVENT_REMOVED: the peer sent RM_ADDR for its address `id`.
    case removed(token: ConnectionToken, id: AddressID)
    /// MPTCP_EVENT_SUB_ESTABLISHED: an additional subflow completed its MP_JOIN (the kernel
    /// sends none for the initial subflow).
    case subflowEstablished(SubflowEventInfo)
    /// MPTCP_EVENT_SUB_CLOSED: a subflow closed; `error`/`resetReason` say why, when known.
    case subflowClosed(SubflowEventInfo)
    /// MPTCP_EVENT_SUB_PRIORITY: a subflow's backup flag changed (MP_PRIO received).
    case subflowPriority(SubflowEventInfo)
    /// MPTCP_EVENT_LISTENER_CREATED: an MPTCP socket started listening (any, in the netns).
    case listenerCreated(SocketEndpoint)
    /// MPTCP_EVENT_LISTENER_CLOSED.
    case listenerClosed(SocketEndpoint)
    /// An event type this codec does not know (a newer kernel's).
    case unknown(type: UInt8)

    /// The event type, nil for `unknown`.
    public var type: MPTCPEventType? {
        switch self {
        case .created: .created
        case .established: .established
        case .closed: .closed
        case .announced: .announced
        case .removed: .removed
        case .subflowEstablished: .subflowEstablished
        case .subflowClosed: .subflowClosed
        case .subflowPriority: .subflowPriority
        case .listenerCreated: .listenerCreated
        case .listenerClosed: .listenerClosed
        case .unknown: nil
        }
    }

    /// The kernel's name (`SUB_ESTABLISHED`), or `UNKNOWN_<n>`: a stable key for counters.
    public var name: String {
        if case .unknown(let raw) = self { return "UNKNOWN_\(raw)" }
        return type!.name
    }

    /// The connection the event is about (nil for listener and unknown events).
    public var token: ConnectionToken? {
        switch self {
        case .created(let i), .established(let i): i.token
        case .closed(let t), .announced(let t, _, _), .removed(let t, _): t
        case .subflowEstablished(let i), .subflowClosed(let i), .subflowPriority(let i): i.token
        case .listenerCreated, .listenerClosed, .unknown: nil
        }
    }
}

/// What CREATED and ESTABLISHED say about a connection (its initial subflow).
public struct ConnectionEventInfo: Sendable, Hashable {
    public var token: ConnectionToken
    /// This host's end of the initial subflow (SADDR4/6 + SPORT, port in host order).
    public var local: SocketEndpoint
    /// The peer's end (DADDR4/6 + DPORT).
    public var remote: SocketEndpoint
    /// LOC_ID: 0 for the initial subflow.
    public var localID: AddressID
    /// REM_ID.
    public var remoteID: AddressID
    /// This host accepted the connection: the SERVER_SIDE attribute was 1, or the FLAGS
    /// attribute had `serverSide`. 6.18 sends both on the server side, neither on the client
    /// side; older kernels sent SERVER_SIDE 0/1 always, newer ones may drop the attribute.
    public var serverSide: Bool
    /// FLAGS had `denyJoinInitialEndpoint`: the peer forbids joins to its initial address+port.
    public var denyJoinInitialEndpoint: Bool
    /// The raw FLAGS attribute (0 when absent).
    public var flags: UInt16

    public init(
        token: ConnectionToken, local: SocketEndpoint, remote: SocketEndpoint,
        localID: AddressID = .initial, remoteID: AddressID = .initial,
        serverSide: Bool = false, denyJoinInitialEndpoint: Bool = false, flags: UInt16 = 0
    ) {
        self.token = token
        self.local = local
        self.remote = remote
        self.localID = localID
        self.remoteID = remoteID
        self.serverSide = serverSide
        self.denyJoinInitialEndpoint = denyJoinInitialEndpoint
        self.flags = flags
    }
}

/// What SUB_ESTABLISHED, SUB_CLOSED and SUB_PRIORITY say about one subflow.
public struct SubflowEventInfo: Sendable, Hashable {
    public var token: ConnectionToken
    public var local: SocketEndpoint
    public var remote: SocketEndpoint
    public var localID: AddressID
    public var remoteID: AddressID
    /// BACKUP: the backup flag the *peer* set on this subflow (in its MP_JOIN or MP_PRIO;
    /// the kernel's `subflow->backup`). Seen on 6.18: a subflow this host opened with the
    /// BACKUP flag reports false here while the peer's event reports true; after this host's
    /// SET_FLAGS backup, only the peer gets SUB_PRIORITY.
    public var backup: Bool
    /// IF_IDX, sent only when the subflow is bound to a device.
    public var interface: InterfaceIndex?
    /// ERROR: the socket's errno (`sk_err`), when it had one.
    public var error: UInt8?
    /// RESET_REASON (`MPTCPResetReason` raw value), when the peer reset with an MPTCP option.
    public var resetReason: UInt32?
    /// RESET_FLAGS.
    public var resetFlags: UInt32?

    public init(
        token: ConnectionToken, local: SocketEndpoint, remote: SocketEndpoint,
        localID: AddressID, remoteID: AddressID, backup: Bool = false,
        interface: InterfaceIndex? = nil, error: UInt8? = nil,
        resetReason: UInt32? = nil, resetFlags: UInt32? = nil
    ) {
        self.token = token
        self.local = local
        self.remote = remote
        self.localID = localID
        self.remoteID = remoteID
        self.backup = backup
        self.interface = interface
        self.error = error
        self.resetReason = resetReason
        self.resetFlags = resetFlags
    }
}
