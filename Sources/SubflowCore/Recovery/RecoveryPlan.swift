import MPTCPWire
import SubflowPolicy

/// What recovery will do with a snapshot: the connections to adopt, with the evidence behind
/// the parts of their state the kernel does not state outright, and the ones left alone.
public struct RecoveryPlan: Sendable, Hashable {
    public var adopted: [RecoveredConnection]
    public var skipped: [SkippedConnection]
    /// The MPTCP listeners the kernel listed (what LISTENER_CREATED events had reported).
    public var listeners: [SocketEndpoint]

    public init(
        adopted: [RecoveredConnection] = [], skipped: [SkippedConnection] = [], listeners: [SocketEndpoint] = []
    ) {
        self.adopted = adopted
        self.skipped = skipped
        self.listeners = listeners
    }
}

/// One connection rebuilt from the kernel's diagnostics.
public struct RecoveredConnection: Sendable, Hashable {
    /// The state to adopt: `established` unless no subflow has completed the MPTCP handshake.
    public var state: ConnectionState
    /// Why `state.side` is what it is.
    public var side: SideEvidence
    /// True when `state.denyJoinInitialEndpoint` was cleared because a subflow this host
    /// opened with MP_JOIN goes to the peer's initial endpoint (see `RecoveryPlanner`).
    public var joinToInitialEndpointSeen: Bool

    public init(state: ConnectionState, side: SideEvidence, joinToInitialEndpointSeen: Bool) {
        self.state = state
        self.side = side
        self.joinToInitialEndpointSeen = joinToInitialEndpointSeen
    }
}

/// How the side of a recovered connection was decided, strongest evidence first.
public enum SideEvidence: String, Sendable, Hashable, CustomStringConvertible {
    /// The initial subflow has `MPTCP_SUBFLOW_FLAG_MCAP_LOC`: this host sent MP_CAPABLE in
    /// its SYN (`request_mptcp`), so it connected: client.
    case initialSubflowSentMPCapable = "initial subflow opened here (MP_CAPABLE sent)"
    /// The initial subflow has MCAP_REM without MCAP_LOC: the SYN came from the peer: server.
    case initialSubflowReceivedMPCapable = "initial subflow accepted here (MP_CAPABLE received)"
    /// The initial subflow is gone; an MPTCP listener covers the connection's local address
    /// and port: server.
    case listenerOnLocalEndpoint = "initial subflow gone; an MPTCP listener covers the local endpoint"
    /// The initial subflow is gone and no listener covers the local endpoint: client.
    case noListenerOnLocalEndpoint = "initial subflow gone; no MPTCP listener on the local endpoint"

    /// The side this evidence points to.
    public var side: ConnectionSide {
        switch self {
        case .initialSubflowSentMPCapable, .noListenerOnLocalEndpoint: .client
        case .initialSubflowReceivedMPCapable, .listenerOnLocalEndpoint: .server
        }
    }

    public var description: String { rawValue }
}

/// A connection recovery leaves alone, and why.
public struct SkippedConnection: Sendable, Hashable, CustomStringConvertible {
    public var token: ConnectionToken?
    public var socket: InetDiagSocket
    public var reason: Reason

    public init(token: ConnectionToken?, socket: InetDiagSocket, reason: Reason) {
        self.token = token
        self.socket = socket
        self.reason = reason
    }

    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        /// The msk has no token (not connected yet, or its token was released).
        case noToken
        /// Closed or closing for good (CLOSE, TIME_WAIT).
        case closed(TCPState)
        /// MPTCP fell back to plain TCP: no path manager is involved.
        case fallback
        /// GET_ADDR with its token said "userspace PM not selected": the connection was
        /// created while the namespace used the in-kernel path manager, which keeps it.
        case inKernelPathManager
        /// GET_ADDR with its token said "invalid token": it ended meanwhile.
        case gone
        /// GET_ADDR with its token failed otherwise, or was not answered: whether the
        /// connection uses the userspace path manager is unknown, so it is not touched.
        case addressTableUnavailable(String)

        public var description: String {
            switch self {
            case .noToken: "it has no token"
            case .closed(let state): "it is closed (\(state))"
            case .fallback: "it fell back to plain TCP"
            case .inKernelPathManager: "it uses the in-kernel path manager"
            case .gone: "it ended during recovery"
            case .addressTableUnavailable(let why): "its local address table is unavailable (\(why))"
            }
        }
    }

    public var description: String {
        "connection \(token.map { "\($0)" } ?? "without token") \(socket.local) -> \(socket.remote): \(reason)"
    }
}
