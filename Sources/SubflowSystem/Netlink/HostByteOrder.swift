/// Reading and writing integers in the machine's own byte order, which is what netlink uses
/// for its headers and for most attributes ("host order"). Pure Swift, bounds-checked by the
/// caller: every reader takes a slice and an offset relative to the slice's start and returns
/// nil instead of reading past its end.
public enum HostByteOrder {
    @inline(__always)
    private static func bytes(_ data: ArraySlice<UInt8>, _ offset: Int, _ count: Int) -> ArraySlice<UInt8>? {
        guard offset >= 0, count >= 0, offset <= data.count - count else { return nil }
        let start = data.startIndex + offset
        return data[start..<start + count]
    }

    /// Assembles `count` bytes as a little-endian number, then converts to host order.
    @inline(__always)
    private static func littleEndianValue(_ b: ArraySlice<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        for (shift, byte) in b.enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
        return value
    }

    public static func uint8(_ data: ArraySlice<UInt8>, at offset: Int) -> UInt8? {
        bytes(data, offset, 1)?.first
    }

    public static func uint16(_ data: ArraySlice<UInt8>, at offset: Int) -> UInt16? {
        bytes(data, offset, 2).map { UInt16(littleEndian: UInt16(truncatingIfNeeded: littleEndianValue($0))) }
    }

    public static func uint32(_ data: ArraySlice<UInt8>, at offset: Int) -> UInt32? {
        bytes(data, offset, 4).map { UInt32(littleEndian: UInt32(truncatingIfNeeded: littleEndianValue($0))) }
    }

    public static func int32(_ data: ArraySlice<UInt8>, at offset: Int) -> Int32? {
        uint32(data, at: offset).map { Int32(bitPattern: $0) }
    }

    public static func uint64(_ data: ArraySlice<UInt8>, at offset: Int) -> UInt64? {
        bytes(data, offset, 8).map { UInt64(littleEndian: littleEndianValue($0)) }
    }

    /// Appends `value` in host byte order: the writing side of the readers above, for the
    /// fixed headers (`struct ifinfomsg`, `struct inet_diag_req_v2`, ...) the kernel lays out
    /// in host order.
    public static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        let host = T(littleEndian: value)
        for shift in stride(from: 0, to: T.bitWidth, by: 8) { bytes.append(UInt8(truncatingIfNeeded: host >> shift)) }
    }
}
