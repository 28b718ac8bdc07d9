/// What a policy is told. Connection events come from the kernel's `mptcp_pm_events`
/// multicast group; network events from the rtnetlink monitor. Every event is delivered on
/// the daemon's single event-loop thread, after subflowd has updated its own state, so a
/// policy that looks at `PolicyContext.connection(_:)` sees the state *including* the event.
public enum PolicyEvent: Sendable, Hashable {
    /// MPTCP_EVENT_CREATED: the connection exists; subflows cannot be added yet.
    case connectionCreated(ConnectionState)
    /// MPTCP_EVENT_ESTABLISHED: fully established; SUBFLOW_CREATE and ANNOUNCE now work.
    case connectionEstablished(ConnectionState)
    /// MPTCP_EVENT_CLOSED: the connection is gone; its state is dropped after this event.
    case connectionClosed(ConnectionToken)
    /// MPTCP_EVENT_ANNOUNCED: the peer sent ADD_ADDR.
    case peerAnnounced(ConnectionToken, id: AddressID, endpoint: SocketEndpoint)
    /// MPTCP_EVENT_REMOVED: the peer sent RM_ADDR for this ID.
    case peerRemoved(ConnectionToken, id: AddressID)
    /// MPTCP_EVENT_SUB_ESTABLISHED: a subflow (ours or the peer's) completed its join.
    case subflowEstablished(ConnectionToken, Subflow)
    /// MPTCP_EVENT_SUB_CLOSED: a subflow closed or failed; `error`/`resetReason` say why.
    case subflowClosed(ConnectionToken, Subflow)
    /// MPTCP_EVENT_SUB_PRIORITY: a subflow's backup flag changed (MP_PRIO).
    case subflowPriorityChanged(ConnectionToken, Subflow)
    /// MPTCP_EVENT_LISTENER_CREATED / _CLOSED: an MPTCP listening socket appeared or went away.
    case listenerCreated(SocketEndpoint)
    case listenerClosed(SocketEndpoint)
    /// An interface appeared, or its flags/carrier changed, or it disappeared.
    case interfaceAdded(NetworkInterface)
    case interfaceChanged(NetworkInterface)
    case interfaceRemoved(NetworkInterface)
    /// A local address became usable (assigned, link up) or stopped being usable (removed,
    /// link down, carrier lost). Only addresses that pass the daemon's filters are reported.
    case localAddressAvailable(LocalAddress)
    case localAddressUnavailable(LocalAddress)
    /// The kernel dropped events (netlink overrun). State may be incomplete until rebuilt.
    case eventsLost
}
