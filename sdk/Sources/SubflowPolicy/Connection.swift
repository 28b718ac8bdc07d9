/// Which end of the MPTCP connection this host is.
public enum ConnectionSide: String, Sendable, Hashable {
    /// This host opened the connection (connect()).
    case client
    /// This host accepted it (accept() on an MPTCP listener).
    case server
}

/// One TCP subflow of an MPTCP connection, as the kernel reported it.
public struct Subflow: Hashable, Sendable, CustomStringConvertible {
    public var local: SocketEndpoint
    public var remote: SocketEndpoint
    public var localID: AddressID
    public var remoteID: AddressID
    /// The backup bit the kernel reports for this subflow (MP_JOIN / MP_PRIO backup flag).
    public var backup: Bool
    /// Set when the subflow is bound to a device (`SO_BINDTODEVICE` / IF_IDX at creation).
    public var interface: InterfaceIndex?
    /// The socket error (`sk_err`, an errno) when the subflow closed with one.
    public var error: UInt8?
    /// `MPTCP_RST_*` reason when the peer reset the subflow with an MPTCP reset option.
    public var resetReason: UInt32?
    public var resetFlags: UInt32?

    public init(
        local: SocketEndpoint, remote: SocketEndpoint, localID: AddressID, remoteID: AddressID,
        backup: Bool = false, interface: InterfaceIndex? = nil, error: UInt8? = nil,
        resetReason: UInt32? = nil, resetFlags: UInt32? = nil
    ) {
        self.local = local; self.remote = remote; self.localID = localID; self.remoteID = remoteID
        self.backup = backup; self.interface = interface; self.error = error
        self.resetReason = resetReason; self.resetFlags = resetFlags
    }

    /// The pair of addresses (ports ignored): what a policy usually means by a "path".
    public var path: Path { Path(local: local.address, remote: remote) }

    public var description: String {
        "\(local)#\(localID) -> \(remote)#\(remoteID)\(backup ? " backup" : "")"
    }
}

/// A local address and a remote endpoint: the unit a mesh policy reasons about.
public struct Path: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var local: IPAddress
    public var remote: SocketEndpoint
    public init(local: IPAddress, remote: SocketEndpoint) { self.local = local; self.remote = remote }
    public var description: String { "\(local) -> \(remote)" }
    public static func < (a: Self, b: Self) -> Bool { (a.local, a.remote) < (b.local, b.remote) }
}

/// Everything subflowd knows about one MPTCP connection. Policies get read-only snapshots.
public struct ConnectionState: Sendable, Hashable {
    public var token: ConnectionToken
    public var side: ConnectionSide
    /// Local and remote endpoint of the initial subflow (address ID 0 on both sides).
    public var local: SocketEndpoint
    public var remote: SocketEndpoint
    /// The peer set MP_CAPABLE's "C" flag: no new subflow may go to its initial address and port.
    public var denyJoinInitialEndpoint: Bool
    /// True once the kernel reported MPTCP_EVENT_ESTABLISHED: only then can subflows be created.
    public var established: Bool
    /// Addresses the peer announced (ADD_ADDR), by the peer's address ID.
    public var announcedByPeer: [AddressID: SocketEndpoint]
    /// Local address IDs in use on this connection, under the kernel's per-connection rules.
    public var localAddressIDs: [IPAddress: AddressID]
    /// Addresses this host announced on this connection (ANNOUNCE sent and acked), by ID.
    public var announcedLocally: [AddressID: SocketEndpoint]
    /// Live subflows, including the initial one once the kernel reported it.
    public var subflows: [Subflow]
    /// The most recent subflow that closed with an error or a reset (with its `error` /
    /// `resetReason`), kept after it left `subflows`.
    public var lastFailedSubflow: Subflow?
    /// Events may have been lost (netlink overrun) since this state was last confirmed.
    public var stale: Bool

    public init(
        token: ConnectionToken, side: ConnectionSide, local: SocketEndpoint, remote: SocketEndpoint,
        denyJoinInitialEndpoint: Bool = false, established: Bool = false
    ) {
        self.token = token; self.side = side; self.local = local; self.remote = remote
        self.denyJoinInitialEndpoint = denyJoinInitialEndpoint; self.established = established
        self.announcedByPeer = [:]; self.localAddressIDs = [local.address: .initial]
        self.announcedLocally = [:]; self.subflows = []; self.lastFailedSubflow = nil; self.stale = false
    }

    public var family: AddressFamily { local.family }

    /// Every remote endpoint a new subflow may be opened to: the initial one (unless the peer
    /// denied joins to it) and every announced one, sorted for a stable order.
    public var joinableRemotes: [SocketEndpoint] {
        var remotes = Set(announcedByPeer.values)
        if !denyJoinInitialEndpoint { remotes.insert(remote) }
        return remotes.sorted()
    }

    /// The paths that already carry a subflow (ports of the local side ignored).
    public var usedPaths: Set<Path> { Set(subflows.map(\.path)) }
}
