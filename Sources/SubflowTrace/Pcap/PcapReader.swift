/// Reads a pcap file of netlink records. Every problem is an error naming the record number
/// (1-based) and what is wrong: a truncated or malformed file never crashes the reader.
public enum PcapReader {
    public static func records(from bytes: [UInt8]) throws(TraceError) -> [TraceRecord] {
        guard bytes.count >= PcapFormat.globalHeaderLength else {
            throw TraceError(record: nil, "file is \(bytes.count) bytes long: too short for a pcap header (24 bytes)")
        }
        let little: Bool
        switch readU32(bytes, 0, little: true) {
        case PcapFormat.magic: little = true
        case 0xD4C3_B2A1: little = false
        case 0xA1B2_3C4D, 0x4D3C_B2A1:
            throw TraceError(
                record: nil, "nanosecond-resolution pcap files are not supported; save it as microsecond pcap")
        default:
            throw TraceError(
                record: nil,
                "not a pcap file (bad magic number); pcapng is not supported: convert with `editcap -F pcap`")
        }
        let linkType = readU32(bytes, 20, little: little)
        guard linkType == PcapFormat.linkTypeNetlink else {
            throw TraceError(
                record: nil, "link type \(linkType), expected \(PcapFormat.linkTypeNetlink) (LINKTYPE_NETLINK)")
        }
        var records: [TraceRecord] = []
        var offset = PcapFormat.globalHeaderLength
        var number = 0
        while offset < bytes.count {
            number += 1
            guard bytes.count - offset >= PcapFormat.recordHeaderLength else {
                throw TraceError(record: number, "truncated record header (\(bytes.count - offset) of 16 bytes)")
            }
            let seconds = UInt64(readU32(bytes, offset, little: little))
            let micros = UInt64(readU32(bytes, offset + 4, little: little))
            let captured = Int(readU32(bytes, offset + 8, little: little))
            let original = Int(readU32(bytes, offset + 12, little: little))
            offset += PcapFormat.recordHeaderLength
            guard micros < 1_000_000 else { throw TraceError(record: number, "microseconds field is \(micros)") }
            guard captured <= bytes.count - offset else {
                throw TraceError(record: number, "truncated: \(captured) bytes announced, \(bytes.count - offset) left")
            }
            guard captured == original else {
                throw TraceError(
                    record: number, "only \(captured) of \(original) bytes were captured (snap length too small)")
            }
            guard captured >= PcapFormat.pseudoHeaderLength else {
                throw TraceError(record: number, "\(captured) bytes: too short for the 16-byte netlink pseudo-header")
            }
            let packetType = readU16BE(bytes, offset)
            let hardware = readU16BE(bytes, offset + 2)
            guard hardware == PcapFormat.arphrdNetlink else {
                throw TraceError(
                    record: number, "pseudo-header hardware type \(hardware), expected 824 (ARPHRD_NETLINK)")
            }
            let direction: TraceRecord.Direction
            switch packetType {
            case PcapFormat.packetHost: direction = .received
            case PcapFormat.packetOutgoing: direction = .sent
            default: throw TraceError(record: number, "packet type \(packetType): expected 0 (to us) or 4 (outgoing)")
            }
            records.append(
                TraceRecord(
                    timestampMicroseconds: seconds * 1_000_000 + micros, direction: direction,
                    netlinkProtocol: readU16BE(bytes, offset + 14),
                    bytes: Array(bytes[(offset + PcapFormat.pseudoHeaderLength)..<(offset + captured)])))
            offset += captured
        }
        return records
    }

    private static func readU32(_ b: [UInt8], _ at: Int, little: Bool) -> UInt32 {
        let v = UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
        return little ? v : v.byteSwapped
    }

    private static func readU16BE(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) << 8 | UInt16(b[at + 1]) }
}

/// A trace that cannot be read or replayed, with the 1-based record number when one is at fault.
public struct TraceError: Error, Hashable, Sendable, CustomStringConvertible {
    public var record: Int?
    public var problem: String
    public init(record: Int?, _ problem: String) { self.record = record; self.problem = problem }
    public var description: String { record.map { "record \($0): \(problem)" } ?? problem }
}
