import CMNL

/// Builds one netlink request with libmnl (`mnl_nlmsg_put_header`,
/// `mnl_nlmsg_put_extra_header`, `mnl_attr_put*_check`, `mnl_attr_nest_start_check`/`_end`).
///
/// The buffer grows as needed, so a put never fails; attribute payloads are limited to what
/// `nla_len` (16 bits) can describe, and passing more is a programming error.
///
///     var b = NetlinkMessageBuilder(type: familyID, flags: [.request, .ack], sequence: 7)
///     b.putGenericHeader(command: 8, version: 1)
///     b.putU32(4, token)
///     b.nested(1) { $0.putU16(1, 2) }
///     let bytes = b.finish()
public struct NetlinkMessageBuilder: Sendable {
    private var buffer: [UInt8]
    /// Offsets of the nests opened by `nested` and not yet closed.
    private var openNests: [Int] = []

    /// Largest payload one attribute can carry: `nla_len` is a u16 that includes the header.
    public static let maximumAttributePayload = Int(UInt16.max) - 4

    /// Starts a message with a zeroed `nlmsghdr` carrying these fields (`nlmsg_len` = 16).
    public init(type: UInt16, flags: NetlinkMessageFlags, sequence: UInt32, portID: UInt32 = 0) {
        buffer = [UInt8](repeating: 0, count: 256)
        buffer.withUnsafeMutableBytes { raw in
            let header = mnl_nlmsg_put_header(raw.baseAddress)!
            header.pointee.nlmsg_type = type
            header.pointee.nlmsg_flags = flags.rawValue
            header.pointee.nlmsg_seq = sequence
            header.pointee.nlmsg_pid = portID
        }
    }

    /// `nlmsg_len` so far.
    public var length: Int { Int(HostByteOrder.uint32(buffer[...], at: 0) ?? 0) }

    /// Runs `body` with the header and the buffer's size, after making room for `extra` bytes.
    private mutating func withHeader<R>(reserving extra: Int, _ body: (UnsafeMutablePointer<nlmsghdr>, Int) -> R) -> R {
        let needed = length + (extra + 3) & ~3
        if needed > buffer.count {
            buffer.append(contentsOf: repeatElement(0, count: max(needed, 2 * buffer.count) - buffer.count))
        }
        return buffer.withUnsafeMutableBytes { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: nlmsghdr.self), raw.count)
        }
    }

    /// Appends a zeroed fixed header (`mnl_nlmsg_put_extra_header`) and copies `bytes` into it.
    /// Used for `genlmsghdr`, `ifinfomsg`, `ifaddrmsg`.
    public mutating func putExtraHeader(_ bytes: [UInt8]) {
        withHeader(reserving: bytes.count) { header, _ in
            let start = mnl_nlmsg_put_extra_header(header, bytes.count)!
            bytes.withUnsafeBytes { source in
                if let from = source.baseAddress { start.copyMemory(from: from, byteCount: bytes.count) }
            }
        }
    }

    /// Appends a `struct genlmsghdr { u8 cmd; u8 version; u16 reserved; }`.
    public mutating func putGenericHeader(command: UInt8, version: UInt8) {
        putExtraHeader([command, version, 0, 0])
    }

    /// Appends one attribute with `payload` (`mnl_attr_put_check`).
    public mutating func putBytes(_ type: UInt16, _ payload: [UInt8]) {
        precondition(
            payload.count <= NetlinkMessageBuilder.maximumAttributePayload,
            "netlink attribute \(type): \(payload.count) bytes do not fit in nla_len")
        let ok = withHeader(reserving: 4 + payload.count) { header, capacity in
            payload.withUnsafeBytes { mnl_attr_put_check(header, capacity, type, payload.count, $0.baseAddress) }
        }
        precondition(ok, "mnl_attr_put_check refused attribute \(type)")
    }

    public mutating func putU8(_ type: UInt16, _ value: UInt8) {
        let ok = withHeader(reserving: 8) { mnl_attr_put_u8_check($0, $1, type, value) }
        precondition(ok, "mnl_attr_put_u8_check refused attribute \(type)")
    }

    /// A u16 in host order.
    public mutating func putU16(_ type: UInt16, _ value: UInt16) {
        let ok = withHeader(reserving: 8) { mnl_attr_put_u16_check($0, $1, type, value) }
        precondition(ok, "mnl_attr_put_u16_check refused attribute \(type)")
    }

    /// A u16 in network order (`nla_put_be16`), given in host order.
    public mutating func putBE16(_ type: UInt16, _ value: UInt16) {
        putU16(type, value.bigEndian)
    }

    /// A u32 in host order.
    public mutating func putU32(_ type: UInt16, _ value: UInt32) {
        let ok = withHeader(reserving: 8) { mnl_attr_put_u32_check($0, $1, type, value) }
        precondition(ok, "mnl_attr_put_u32_check refused attribute \(type)")
    }

    /// An s32 in host order.
    public mutating func putS32(_ type: UInt16, _ value: Int32) {
        putU32(type, UInt32(bitPattern: value))
    }

    /// A u64 in host order.
    public mutating func putU64(_ type: UInt16, _ value: UInt64) {
        let ok = withHeader(reserving: 12) { mnl_attr_put_u64_check($0, $1, type, value) }
        precondition(ok, "mnl_attr_put_u64_check refused attribute \(type)")
    }

    /// A NUL-terminated string (`mnl_attr_put_strz_check`); the terminator is part of the
    /// payload, as the kernel's `NLA_NUL_STRING` policy expects. Text after an embedded NUL
    /// is not sent.
    public mutating func putString(_ type: UInt16, _ value: String) {
        let size = value.utf8.count + 1
        precondition(
            size <= NetlinkMessageBuilder.maximumAttributePayload,
            "netlink attribute \(type): string too long")
        let ok = withHeader(reserving: 4 + size) { header, capacity in
            value.withCString { mnl_attr_put_strz_check(header, capacity, type, $0) }
        }
        precondition(ok, "mnl_attr_put_strz_check refused attribute \(type)")
    }

    /// Opens a nest of `type` with `NLA_F_NESTED` set (`mnl_attr_nest_start_check`), lets
    /// `body` put its attributes, then closes it (`mnl_attr_nest_end` fixes up `nla_len`).
    public mutating func nested<E: Error>(
        _ type: UInt16, _ body: (inout NetlinkMessageBuilder) throws(E) -> Void
    ) throws(E) {
        let offset = length
        let opened = withHeader(reserving: 4) { header, capacity in
            mnl_attr_nest_start_check(header, capacity, type) != nil
        }
        precondition(opened, "mnl_attr_nest_start_check refused nest \(type)")
        openNests.append(offset)
        try body(&self)
        let start = openNests.removeLast()
        precondition(start == offset, "nests closed out of order")
        precondition(length - offset <= Int(UInt16.max), "netlink nest \(type) is longer than nla_len allows")
        withHeader(reserving: 0) { header, _ in
            let nest = UnsafeMutableRawPointer(header).advanced(by: offset).assumingMemoryBound(to: nlattr.self)
            mnl_attr_nest_end(header, nest)
        }
    }

    /// The finished message: exactly `nlmsg_len` bytes.
    public func finish() -> [UInt8] {
        precondition(openNests.isEmpty, "finish() inside an open nest")
        return Array(buffer[0..<length])
    }
}
