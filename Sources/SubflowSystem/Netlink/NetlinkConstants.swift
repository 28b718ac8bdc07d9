/// Netlink-level numbers from `<linux/netlink.h>` that the codec needs; carried here so the
/// rest of the project never imports the C headers. `InstalledKernelHeaders` exposes the
/// header's own values so tests can compare.
public enum NetlinkMessageType {
    /// `NLMSG_NOOP`: ignored.
    public static let noop: UInt16 = 1
    /// `NLMSG_ERROR`: an ack (error 0) or a failure, with the original header echoed.
    public static let error: UInt16 = 2
    /// `NLMSG_DONE`: ends a multipart (dump) reply; its payload is an `int` status.
    public static let done: UInt16 = 3
    /// `NLMSG_OVERRUN`: data lost.
    public static let overrun: UInt16 = 4
    /// `NLMSG_MIN_TYPE`: types below this are control messages; generic netlink family IDs
    /// and rtnetlink `RTM_*` types start here.
    public static let minimumFamilyType: UInt16 = 0x10
}

/// `nlmsg_flags`. Bits above 0xff mean different things for requests (GET modifiers, NEW
/// modifiers) and for acks; the aliases below name each use.
public struct NetlinkMessageFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `NLM_F_REQUEST`: every message to the kernel carries it.
    public static let request = NetlinkMessageFlags(rawValue: 0x01)
    /// `NLM_F_MULTI`: part of a multipart reply, ended by `NLMSG_DONE`.
    public static let multi = NetlinkMessageFlags(rawValue: 0x02)
    /// `NLM_F_ACK`: the kernel answers with `NLMSG_ERROR` (error 0 on success).
    public static let ack = NetlinkMessageFlags(rawValue: 0x04)
    /// `NLM_F_ECHO`: echo this request back.
    public static let echo = NetlinkMessageFlags(rawValue: 0x08)
    /// `NLM_F_DUMP_INTR`: the dump was inconsistent (state changed while dumping).
    public static let dumpInterrupted = NetlinkMessageFlags(rawValue: 0x10)
    /// `NLM_F_DUMP_FILTERED`: the dump was filtered as requested.
    public static let dumpFiltered = NetlinkMessageFlags(rawValue: 0x20)
    /// `NLM_F_ROOT` (GET requests): return the whole table.
    public static let root = NetlinkMessageFlags(rawValue: 0x100)
    /// `NLM_F_MATCH` (GET requests): return all matching entries.
    public static let match = NetlinkMessageFlags(rawValue: 0x200)
    /// `NLM_F_DUMP` = `NLM_F_ROOT | NLM_F_MATCH`: ask for every entry, as a multipart reply.
    public static let dump: NetlinkMessageFlags = [.root, .match]
    /// `NLM_F_CAPPED` (on `NLMSG_ERROR`): only the original *header* is echoed, not its payload.
    public static let capped = NetlinkMessageFlags(rawValue: 0x100)
    /// `NLM_F_ACK_TLVS` (on `NLMSG_ERROR`/`NLMSG_DONE`): extended-ack attributes follow.
    public static let ackTLVs = NetlinkMessageFlags(rawValue: 0x200)
}

/// `NLA_F_*` bits of `nla_type`.
public enum NetlinkAttributeFlags {
    /// `NLA_F_NESTED`: the payload is itself a list of attributes.
    public static let nested: UInt16 = 0x8000
    /// `NLA_F_NET_BYTEORDER`: the payload is in network byte order.
    public static let networkByteOrder: UInt16 = 0x4000
    /// `NLA_TYPE_MASK`: what is left of `nla_type` once the two flags are cleared.
    public static let typeMask: UInt16 = 0x3fff
}

/// `enum nlmsgerr_attrs`: extended-ack attributes after an `NLMSG_ERROR`'s echoed request.
public enum NetlinkExtendedAckAttribute {
    /// `NLMSGERR_ATTR_MSG`: NUL-terminated text ("invalid token").
    public static let message: UInt16 = 1
    /// `NLMSGERR_ATTR_OFFS`: u32 byte offset of the offending attribute in the request.
    public static let offset: UInt16 = 2
    /// `NLMSGERR_ATTR_COOKIE`: arbitrary bytes.
    public static let cookie: UInt16 = 3
    /// `NLMSGERR_ATTR_POLICY`: nested policy of the offending attribute.
    public static let policy: UInt16 = 4
    /// `NLMSGERR_ATTR_MISS_TYPE`: u32 type of a missing required attribute.
    public static let missingType: UInt16 = 5
    /// `NLMSGERR_ATTR_MISS_NEST`: u32 offset of the nest that lacks it.
    public static let missingNest: UInt16 = 6
}

/// Netlink protocol numbers (third argument of `socket(AF_NETLINK, ...)`).
public enum NetlinkProtocolNumber {
    /// `NETLINK_ROUTE`.
    public static let route: Int32 = 0
    /// `NETLINK_SOCK_DIAG` (alias `NETLINK_INET_DIAG`): socket dumps, what `ss` uses.
    public static let sockDiag: Int32 = 4
    /// `NETLINK_GENERIC`.
    public static let generic: Int32 = 16
}
