/// pcap files with link type LINKTYPE_NETLINK (253), the format libpcap writes for an nlmon
/// device: tcpdump, tshark and Wireshark open them and dissect the netlink messages.
///
/// File: a 24-byte global header (little-endian here; the magic tells readers the order),
/// then per record a 16-byte record header (seconds, microseconds, captured and original
/// length) and the packet: a 16-byte "cooked" pseudo-header followed by the netlink bytes.
/// Pseudo-header (big-endian): packet type (0 = to us, 4 = outgoing), ARPHRD_NETLINK (824),
/// address length (0), 8 address bytes (0), netlink protocol.
public enum PcapFormat {
    public static let magic: UInt32 = 0xA1B2_C3D4
    public static let linkTypeNetlink: UInt32 = 253
    public static let snapLength: UInt32 = 262_144
    public static let globalHeaderLength = 24
    public static let recordHeaderLength = 16
    public static let pseudoHeaderLength = 16
    static let arphrdNetlink: UInt16 = 824
    static let packetHost: UInt16 = 0
    static let packetOutgoing: UInt16 = 4

    /// True when `head` (the first 4 bytes or more) is a pcap file's magic in either byte order.
    public static func hasMagic(_ head: [UInt8]) -> Bool {
        guard head.count >= 4 else { return false }
        let little = UInt32(head[0]) | UInt32(head[1]) << 8 | UInt32(head[2]) << 16 | UInt32(head[3]) << 24
        return little == magic || little == magic.byteSwapped
    }

    /// The file's global header.
    public static func globalHeader() -> [UInt8] {
        var out: [UInt8] = []
        out.appendLE(magic)
        out.appendLE(UInt16(2)); out.appendLE(UInt16(4))  // version 2.4
        out.appendLE(UInt32(0)); out.appendLE(UInt32(0))  // thiszone, sigfigs
        out.appendLE(snapLength)
        out.appendLE(linkTypeNetlink)
        return out
    }

    /// One record: record header, pseudo-header, netlink bytes.
    public static func record(_ record: TraceRecord) -> [UInt8] {
        let length = UInt32(pseudoHeaderLength + record.bytes.count)
        var out: [UInt8] = []
        out.reserveCapacity(recordHeaderLength + Int(length))
        out.appendLE(UInt32(truncatingIfNeeded: record.timestampMicroseconds / 1_000_000))
        out.appendLE(UInt32(truncatingIfNeeded: record.timestampMicroseconds % 1_000_000))
        out.appendLE(length); out.appendLE(length)
        out.appendBE(record.direction == .sent ? packetOutgoing : packetHost)
        out.appendBE(arphrdNetlink)
        out.appendBE(UInt16(0))
        out += [UInt8](repeating: 0, count: 8)
        out.appendBE(record.netlinkProtocol)
        out += record.bytes
        return out
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
    mutating func appendBE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
