/// One netlink datagram as subflowd saw it: when, which way, on which netlink protocol, and
/// the original bytes (never re-encoded: replay decodes them with the live decoder).
public struct TraceRecord: Sendable, Hashable {
    public enum Direction: Sendable, Hashable {
        /// From the kernel to subflowd (events, replies, rtnetlink notifications).
        case received
        /// From subflowd to the kernel (commands, dump requests).
        case sent
    }

    /// Microseconds since the Unix epoch (pcap's clock).
    public var timestampMicroseconds: UInt64
    public var direction: Direction
    /// NETLINK_ROUTE (0) or NETLINK_GENERIC (16).
    public var netlinkProtocol: UInt16
    public var bytes: [UInt8]

    public init(timestampMicroseconds: UInt64, direction: Direction, netlinkProtocol: UInt16, bytes: [UInt8]) {
        self.timestampMicroseconds = timestampMicroseconds
        self.direction = direction
        self.netlinkProtocol = netlinkProtocol
        self.bytes = bytes
    }

    public static let route: UInt16 = 0
    public static let generic: UInt16 = 16
}
