import MPTCPWire
import SubflowPolicy

/// Every MPTCP connection the daemon follows, updated from the kernel's events.
/// A closed connection's state is dropped at once: memory is bounded by live connections.
public struct ConnectionTable {
    public private(set) var connections: [ConnectionToken: ConnectionState] = [:]
    /// Connections that closed lately: their late events must not bring them back.
    private var recentlyClosed: RecentlyClosedTokens

    public init(recentlyClosedCapacity: Int = 16_384) {
        recentlyClosed = RecentlyClosedTokens(capacity: recentlyClosedCapacity)
    }

    public subscript(token: ConnectionToken) -> ConnectionState? {
        get { connections[token] }
        set { connections[token] = newValue }
    }

    public var count: Int { connections.count }

    /// What applying one event did, for the dispatcher and the logs.
    public enum Change: Equatable {
        /// The event changed (or created) the connection's state.
        case updated(ConnectionState)
        /// The connection closed; its state, as it was, has been dropped.
        case closed(ConnectionState?)
        /// The event names a connection this table never saw (older than the daemon, or
        /// its CREATED was lost).
        case unknownConnection(ConnectionToken)
        /// The event names a connection that closed lately: the kernel sent it after the
        /// CLOSED (ESTABLISHED comes from its path-manager worker and can lose that race).
        /// Nothing changed.
        case afterClose(ConnectionToken)
        /// Not about a connection (listener events, unknown event types).
        case none
    }

    /// Applies one kernel event.
    public mutating func apply(_ event: MPTCPEvent) -> Change {
        switch event {
        case .created(let info), .established(let info):
            if case .created = event {
                recentlyClosed.remove(info.token)
            } else if connections[info.token] == nil, recentlyClosed.contains(info.token) {
                return .afterClose(info.token)
            }
            var state =
                connections[info.token]
                ?? ConnectionState(
                    token: info.token, side: info.serverSide ? .server : .client,
                    local: info.local, remote: info.remote,
                    denyJoinInitialEndpoint: info.denyJoinInitialEndpoint)
            if case .established = event { state.established = true }
            state.denyJoinInitialEndpoint = info.denyJoinInitialEndpoint
            // The kernel sends no SUB_ESTABLISHED for the initial subflow: record it here so
            // policies see its path as used.
            let initial = Subflow(
                local: info.local, remote: info.remote, localID: info.localID, remoteID: info.remoteID)
            if !state.subflows.contains(where: { $0.local == initial.local && $0.remote == initial.remote }) {
                state.subflows.insert(initial, at: 0)
            }
            connections[info.token] = state
            return .updated(state)

        case .closed(let token):
            recentlyClosed.insert(token)
            return .closed(connections.removeValue(forKey: token))

        case .announced(let token, let id, let endpoint):
            return update(token) { $0.announcedByPeer[id] = endpoint }

        case .removed(let token, let id):
            return update(token) { $0.announcedByPeer[id] = nil }

        case .subflowEstablished(let info), .subflowPriority(let info):
            return update(info.token) { state in
                let subflow = Subflow(info)
                if let i = state.subflows.firstIndex(where: { $0.local == subflow.local && $0.remote == subflow.remote }
                ) {
                    state.subflows[i] = subflow
                } else {
                    state.subflows.append(subflow)
                }
                state.recordLocalID(info.localID, for: info.local.address)
            }

        case .subflowClosed(let info):
            return update(info.token) { state in
                state.subflows.removeAll { $0.local == info.local && $0.remote == info.remote }
                if info.error != nil || info.resetReason != nil { state.lastFailedSubflow = Subflow(info) }
            }

        case .listenerCreated, .listenerClosed, .unknown:
            return .none
        }
    }

    /// Removes a connection that ended without a CLOSED event; returns its last state.
    public mutating func drop(_ token: ConnectionToken) -> ConnectionState? {
        recentlyClosed.insert(token)
        return connections.removeValue(forKey: token)
    }

    /// Marks every connection stale: events were lost, so the state may be incomplete.
    public mutating func markAllStale() {
        for token in connections.keys { connections[token]?.stale = true }
    }

    private mutating func update(_ token: ConnectionToken, _ body: (inout ConnectionState) -> Void) -> Change {
        guard var state = connections[token] else {
            return recentlyClosed.contains(token) ? .afterClose(token) : .unknownConnection(token)
        }
        body(&state)
        connections[token] = state
        return .updated(state)
    }
}

extension Subflow {
    /// The subflow an event describes.
    public init(_ info: SubflowEventInfo) {
        self.init(
            local: info.local, remote: info.remote, localID: info.localID, remoteID: info.remoteID,
            backup: info.backup, interface: info.interface, error: info.error,
            resetReason: info.resetReason, resetFlags: info.resetFlags)
    }
}
