import MPTCPWire
import SubflowPolicy

/// Turns a `KernelSnapshot` into the connection states subflowd would have built had it seen
/// every event — as far as the kernel still shows them. Pure: no I/O, no clock.
///
/// Rules (docs/recovery.md):
/// - Only connections whose GET_ADDR dump (with their token) succeeds are adopted: the kernel
///   refuses it ("userspace PM not selected") for a connection that uses the in-kernel path
///   manager. Listeners, connections without a token, closed ones (CLOSE, TIME_WAIT) and
///   fallbacks to plain TCP are skipped; so is everything on a kernel that ignores the token.
/// - `local`/`remote` are the msk's addresses and ports: those of the initial subflow.
/// - `subflows`: every subflow with the connection's local token in ESTABLISHED, SYN_SENT or
///   SYN_RECV (a join still in its handshake counts as using its path, so no second join is
///   opened on it; its SUB_ESTABLISHED or SUB_CLOSED follows as usual). The initial subflow
///   first. `backup` is the peer's flag (BKUP_REM), as SUB_ESTABLISHED reports it.
/// - `established`: some subflow has completed the MPTCP handshake (FULLY_ESTABLISHED) and
///   the msk is past SYN_SENT/SYN_RECV. Otherwise the kernel's ESTABLISHED event is still to
///   come, and the connection is adopted as created.
/// - `side`: see `SideEvidence`.
/// - `localAddressIDs`: the GET_ADDR entries, then each subflow's local ID (the kernel's word
///   wins, as with SUB_ESTABLISHED). `announcedLocally`: the entries flagged `signal`.
/// - `announcedByPeer`: the remote endpoint and ID of every subflow this host opened with
///   MP_JOIN (JOIN_LOC) to a non-zero remote ID — a path manager here only joins addresses the
///   peer announced. Addresses the peer announced and no subflow uses are not recoverable.
/// - `denyJoinInitialEndpoint` (the peer's MP_CAPABLE "C" flag) is not in any dump: it is
///   assumed set — no new subflow to the peer's initial address and port — unless a subflow
///   this host opened with MP_JOIN already goes there, which the previous daemon would only
///   have done with the flag clear.
public enum RecoveryPlanner {
    public static func plan(_ snapshot: KernelSnapshot) -> RecoveryPlan {
        var plan = RecoveryPlan()
        plan.listeners = snapshot.connections.filter { $0.socket.state == .listen }.map(\.socket.local)
        let subflows = Dictionary(grouping: snapshot.subflows, by: \.mptcp.localToken)
        let sockets = snapshot.connections.filter { $0.socket.state != .listen }
            .sorted { ($0.token?.rawValue ?? 0, $0.socket.cookie) < ($1.token?.rawValue ?? 0, $1.socket.cookie) }
        for msk in sockets {
            func skip(_ reason: SkippedConnection.Reason) {
                plan.skipped.append(SkippedConnection(token: msk.token, socket: msk.socket, reason: reason))
            }
            guard let token = msk.token else { skip(.noToken); continue }
            if msk.socket.state == .close || msk.socket.state == .timeWait { skip(.closed(msk.socket.state)); continue }
            if msk.info?.isFallback == true { skip(.fallback); continue }
            if snapshot.addressTablesIgnoreToken { skip(.addressTableUnavailable(Self.tokenIgnored)); continue }
            switch snapshot.addressTables[token] {
            case .entries(let entries)?:
                plan.adopted.append(
                    recover(
                        msk, token: token, subflows: subflows[token] ?? [],
                        entries: entries, listeners: plan.listeners))
            case .refused(let error)?:
                if error.isUserspacePathManagerNotSelected {
                    skip(.inKernelPathManager)
                } else if error.isInvalidToken {
                    skip(.gone)
                } else {
                    skip(.addressTableUnavailable("\(error)"))
                }
            case .unreadable(let why)?:
                skip(.addressTableUnavailable(why))
            case nil:
                skip(.addressTableUnavailable("not asked"))
            }
        }
        return plan
    }

    static let tokenIgnored =
        "this kernel ignores GET_ADDR's token (Linux before 6.10): which path manager the connection uses is unknown"

    /// Subflow states that hold a path: established, or a handshake under way.
    static let liveSubflowStates: Set<TCPState> = [.established, .synSent, .synReceived]

    static func recover(
        _ msk: MPTCPConnectionSocket, token: ConnectionToken, subflows all: [MPTCPSubflowSocket],
        entries: [AddressEntry], listeners: [SocketEndpoint]
    ) -> RecoveredConnection {
        let live = all.filter { liveSubflowStates.contains($0.socket.state) }
            .sorted { initialFirst($0, $1) }
        let local = msk.socket.local, remote = msk.socket.remote
        let side = sideEvidence(all, local: local, listeners: listeners)
        let joinedInitial = live.contains {
            $0.mptcp.flags.contains(.joinLocal) && sameEndpoint($0.socket.remote, remote)
        }
        let synchronised = msk.socket.state != .synSent && msk.socket.state != .synReceived
        var state = ConnectionState(
            token: token, side: side.side, local: local, remote: remote, denyJoinInitialEndpoint: !joinedInitial,
            established: synchronised && all.contains { $0.mptcp.flags.contains(.fullyEstablished) })
        for entry in entries {
            guard let address = entry.address, let id = entry.id else { continue }
            state.localAddressIDs[address] = id
            if entry.flags.contains(.signal) { state.announcedLocally[id] = SocketEndpoint(address, port: entry.port) }
        }
        for subflow in live {
            let info = subflow.mptcp
            state.subflows.append(
                Subflow(
                    local: subflow.socket.local, remote: subflow.socket.remote,
                    localID: info.localID, remoteID: info.remoteID,
                    backup: info.flags.contains(.backupRemote), interface: subflow.socket.interface))
            state.recordLocalID(info.localID, for: subflow.socket.local.address)
            if info.flags.contains(.joinLocal), info.remoteID != .initial, state.announcedByPeer[info.remoteID] == nil {
                state.announcedByPeer[info.remoteID] = subflow.socket.remote
            }
        }
        return RecoveredConnection(state: state, side: side, joinToInitialEndpointSeen: joinedInitial)
    }

    /// Client or server, from the initial subflow's MP_CAPABLE flags when it still exists,
    /// else from the listeners.
    static func sideEvidence(
        _ subflows: [MPTCPSubflowSocket], local: SocketEndpoint, listeners: [SocketEndpoint]
    ) -> SideEvidence {
        if let initial = subflows.first(where: {
            $0.mptcp.flags.contains(.mpCapableRemote) || $0.mptcp.flags.contains(.mpCapableLocal)
        }) {
            return initial.mptcp.flags.contains(.mpCapableLocal)
                ? .initialSubflowSentMPCapable : .initialSubflowReceivedMPCapable
        }
        return listeners.contains { ListenerCoverage.covers($0, local) }
            ? .listenerOnLocalEndpoint : .noListenerOnLocalEndpoint
    }

    /// The MP_CAPABLE subflow first, the others by 4-tuple.
    private static func initialFirst(_ a: MPTCPSubflowSocket, _ b: MPTCPSubflowSocket) -> Bool {
        let capable: MPTCPSubflowFlags = [.mpCapableRemote, .mpCapableLocal]
        let (ai, bi) = (!a.mptcp.flags.isDisjoint(with: capable), !b.mptcp.flags.isDisjoint(with: capable))
        if ai != bi { return ai }
        return (a.socket.local, a.socket.remote) < (b.socket.local, b.socket.remote)
    }

    /// Same address (v4-mapped IPv6 and IPv4 alike) and port.
    static func sameEndpoint(_ a: SocketEndpoint, _ b: SocketEndpoint) -> Bool {
        a.port == b.port && (a.address.unmappedIPv4 ?? a.address) == (b.address.unmappedIPv4 ?? b.address)
    }
}
