/// A socket's state as sock_diag reports it (`idiag_state`): the kernel's `TCP_*` numbers
/// (`include/net/tcp_states.h`), used for MPTCP sockets (msks) too.
public struct TCPState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let established = TCPState(rawValue: 1)
    public static let synSent = TCPState(rawValue: 2)
    public static let synReceived = TCPState(rawValue: 3)
    public static let finWait1 = TCPState(rawValue: 4)
    public static let finWait2 = TCPState(rawValue: 5)
    public static let timeWait = TCPState(rawValue: 6)
    public static let close = TCPState(rawValue: 7)
    public static let closeWait = TCPState(rawValue: 8)
    public static let lastAck = TCPState(rawValue: 9)
    public static let listen = TCPState(rawValue: 10)
    public static let closing = TCPState(rawValue: 11)
    /// A request socket (a SYN answered, the handshake not finished).
    public static let newSynReceived = TCPState(rawValue: 12)

    /// The `idiag_states` bit of this state.
    public var mask: UInt32 { rawValue < 32 ? UInt32(1) << UInt32(rawValue) : 0 }

    /// The kernel's name without `TCP_`.
    public var description: String {
        switch rawValue {
        case 1: "ESTABLISHED"
        case 2: "SYN_SENT"
        case 3: "SYN_RECV"
        case 4: "FIN_WAIT1"
        case 5: "FIN_WAIT2"
        case 6: "TIME_WAIT"
        case 7: "CLOSE"
        case 8: "CLOSE_WAIT"
        case 9: "LAST_ACK"
        case 10: "LISTEN"
        case 11: "CLOSING"
        case 12: "NEW_SYN_RECV"
        default: "state \(rawValue)"
        }
    }
}
