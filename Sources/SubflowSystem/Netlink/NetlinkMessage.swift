import CMNL

/// One netlink message: the 16-byte `struct nlmsghdr` and what follows it.
///
/// Values of this type are only made by `NetlinkDatagram.split` (or `init(bytes:)`, which
/// goes through it), so `bytes` always holds exactly `nlmsg_len` bytes and the header fields
/// agree with them.
public struct NetlinkMessage: Sendable, Hashable, CustomStringConvertible {
    /// `sizeof(struct nlmsghdr)` (`NLMSG_HDRLEN`).
    public static let headerLength = 16

    /// `nlmsg_type`: a control type (`NLMSG_ERROR` 2, `NLMSG_DONE` 3), a generic netlink
    /// family ID, or an rtnetlink `RTM_*` number.
    public let type: UInt16
    /// `nlmsg_flags` (`NLM_F_*`).
    public let flags: NetlinkMessageFlags
    /// `nlmsg_seq`: replies carry the sequence number of the request they answer;
    /// multicast events carry 0.
    public let sequence: UInt32
    /// `nlmsg_pid`: the sender's port ID (0 for the kernel).
    public let portID: UInt32
    /// The whole message, header included, exactly `nlmsg_len` bytes.
    public let bytes: [UInt8]

    /// Everything after the 16-byte header (a `genlmsghdr` and attributes, an `ifinfomsg`
    /// and attributes, an `nlmsgerr`, ...). Indices are those of `bytes`.
    public var payload: ArraySlice<UInt8> { bytes[NetlinkMessage.headerLength...] }

    /// Wraps bytes that the splitter has already validated.
    init(validated bytes: [UInt8]) {
        let all = bytes[...]
        self.bytes = bytes
        self.type = HostByteOrder.uint16(all, at: 4) ?? 0
        self.flags = NetlinkMessageFlags(rawValue: HostByteOrder.uint16(all, at: 6) ?? 0)
        self.sequence = HostByteOrder.uint32(all, at: 8) ?? 0
        self.portID = HostByteOrder.uint32(all, at: 12) ?? 0
    }

    /// Parses bytes that must hold exactly one message (trailing alignment padding allowed).
    public init(bytes: [UInt8]) throws(NetlinkDecodeError) {
        let messages = try NetlinkDatagram.split(bytes)
        guard messages.count == 1 else {
            throw NetlinkDecodeError(
                .invalidValue(
                    nil, value: Int64(messages.count),
                    reason: "expected exactly one netlink message"))
        }
        self = messages[0]
    }

    public var description: String {
        "nlmsg(type=\(type) flags=0x\(String(flags.rawValue, radix: 16)) seq=\(sequence) pid=\(portID) len=\(bytes.count))"
    }
}

/// One datagram read from a netlink socket. The kernel packs several messages into one
/// datagram (dump replies, batched events), each aligned to 4 bytes (`NLMSG_ALIGN`).
public enum NetlinkDatagram {
    /// Splits a datagram into its messages with libmnl's `mnl_nlmsg_ok`/`mnl_nlmsg_next`.
    ///
    /// An empty datagram holds no message. A header cut short, an `nlmsg_len` below 16 or one
    /// past the end of the datagram throws, naming the message's position ("message 2 of
    /// datagram: length 40 exceeds the 36 bytes left"). Nothing is read outside `bytes`.
    public static func split(_ bytes: [UInt8]) throws(NetlinkDecodeError) -> [NetlinkMessage] {
        guard !bytes.isEmpty else { return [] }
        guard bytes.count <= Int(Int32.max) else {
            throw NetlinkDecodeError(.invalidValue(nil, value: Int64(bytes.count), reason: "datagram too large"))
        }
        let result: Result<[NetlinkMessage], NetlinkDecodeError> = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return .success([]) }
            var messages: [NetlinkMessage] = []
            var remaining = Int32(raw.count)
            var header = base.assumingMemoryBound(to: nlmsghdr.self)
            while remaining > 0 {
                let offset = raw.count - Int(remaining)
                let position = "message \(messages.count + 1) of datagram"
                // mnl_nlmsg_ok compares (int)nlmsg_len with the bytes left, so a length of
                // 2^31 or more looks negative and passes: check the length again in Swift.
                let length = Int(HostByteOrder.uint32(bytes[...], at: offset) ?? 0)
                guard mnl_nlmsg_ok(header, remaining), length <= Int(remaining) else {
                    return .failure(diagnose(bytes, offset: offset).within(position))
                }
                messages.append(NetlinkMessage(validated: Array(bytes[offset..<offset + length])))
                header = UnsafePointer(mnl_nlmsg_next(header, &remaining))
            }
            return .success(messages)
        }
        return try result.get()
    }

    /// Says why `mnl_nlmsg_ok` refused the message at `offset`.
    private static func diagnose(_ bytes: [UInt8], offset: Int) -> NetlinkDecodeError {
        let available = bytes.count - offset
        guard available >= NetlinkMessage.headerLength,
            let length = HostByteOrder.uint32(bytes[...], at: offset)
        else {
            return NetlinkDecodeError(
                .truncatedHeader(
                    what: "netlink header", needed: NetlinkMessage.headerLength,
                    available: available))
        }
        if Int(length) < NetlinkMessage.headerLength {
            return NetlinkDecodeError(.messageLengthTooSmall(length: Int(length)))
        }
        return NetlinkDecodeError(.messageLengthExceedsData(length: Int(length), available: available))
    }
}
