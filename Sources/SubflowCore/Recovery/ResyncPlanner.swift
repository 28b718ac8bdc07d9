import MPTCPWire
import SubflowPolicy

/// What a resync after lost events changes in the connection table, against a fresh snapshot.
public struct ResyncPlan: Sendable, Hashable {
    /// Followed connections the kernel no longer lists, or lists as closed: their CLOSED was
    /// lost. They are dropped (their policy hears `.connectionClosed`).
    public var vanished: [ConnectionToken] = []
    /// Followed connections that still exist, their state refreshed from the kernel.
    public var kept: [ConnectionState] = []
    /// Connections subflowd did not follow (their CREATED was lost): what start-up recovery
    /// would do with them — adopt the userspace-PM ones, leave the others alone.
    public var unknown = RecoveryPlan()

    public init() {}
}

/// Compares the connection table with a snapshot taken after lost events. Pure.
///
/// A kept connection keeps what only events could have told (side, deny-join flag, the
/// peer's announcements, the last failure) and takes from the kernel what lost events may
/// have changed: the subflows (a lost SUB_ESTABLISHED would make a policy open the same path
/// again; a lost SUB_CLOSED would keep a dead path looking used), the local IDs of those
/// subflows, the peer addresses that subflows this host opened go to, and `established`.
/// What the kernel does not show cannot be recovered: an announcement (ADD_ADDR) no subflow
/// uses yet, or a removal (RM_ADDR) whose event was lost.
public enum ResyncPlanner {
    public static func plan(table: [ConnectionToken: ConnectionState], snapshot: KernelSnapshot) -> ResyncPlan {
        var plan = ResyncPlan()
        var sockets: [ConnectionToken: MPTCPConnectionSocket] = [:]
        for msk in snapshot.connections where msk.socket.state != .listen {
            guard let token = msk.token else { continue }
            if let seen = sockets[token], !isClosed(seen) { continue }  // a live msk wins over a closed one
            sockets[token] = msk
        }
        let subflows = Dictionary(grouping: snapshot.subflows, by: \.mptcp.localToken)
        for (token, state) in table.sorted(by: { $0.key < $1.key }) {
            guard let msk = sockets[token], !isClosed(msk) else {
                plan.vanished.append(token)
                continue
            }
            plan.kept.append(merge(state, with: msk, subflows: subflows[token] ?? []))
        }
        var unknown = snapshot
        unknown.connections = snapshot.connections.filter { msk in
            msk.socket.state == .listen || msk.token.map { table[$0] == nil } ?? true
        }
        plan.unknown = RecoveryPlanner.plan(unknown)
        return plan
    }

    static func isClosed(_ msk: MPTCPConnectionSocket) -> Bool {
        msk.socket.state == .close || msk.socket.state == .timeWait
    }

    /// The table's state of a connection that still exists, with the kernel's subflows.
    static func merge(
        _ state: ConnectionState, with msk: MPTCPConnectionSocket,
        subflows: [MPTCPSubflowSocket]
    ) -> ConnectionState {
        let kernel = RecoveryPlanner.recover(msk, token: state.token, subflows: subflows, entries: [], listeners: [])
            .state
        var merged = state
        merged.subflows = kernel.subflows
        for (address, id) in kernel.localAddressIDs { merged.localAddressIDs[address] = id }
        for (id, endpoint) in kernel.announcedByPeer where merged.announcedByPeer[id] == nil {
            merged.announcedByPeer[id] = endpoint
        }
        merged.established = state.established || kernel.established
        merged.stale = false
        return merged
    }
}
