import CMNL

/// One netlink attribute (`struct nlattr` + payload) as found in a message.
///
/// The typed accessors check the payload's size with libmnl's `mnl_attr_validate` before
/// reading it with `mnl_attr_get_*`, and throw a `NetlinkDecodeError` that names the
/// attribute and the expected and actual sizes when it does not match.
public struct NetlinkAttribute: Sendable, Hashable {
    /// `nla_type` with `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER` masked off.
    public let type: UInt16
    /// `NLA_F_NESTED` was set. The kernel sets it on nests it builds with `nla_nest_start`;
    /// older code paths (`nla_nest_start_noflag`) leave it clear, so it is informative only.
    public let isNested: Bool
    /// `NLA_F_NET_BYTEORDER` was set (rare: the MPTCP and rtnetlink families do not use it).
    public let isNetworkByteOrder: Bool
    /// Byte offset of the attribute header from the start of the range that was parsed.
    public let offset: Int
    /// Header and payload, `nla_len` bytes, without trailing alignment padding.
    let raw: ArraySlice<UInt8>

    init(raw: ArraySlice<UInt8>, rawType: UInt16, offset: Int) {
        self.raw = raw
        self.offset = offset
        self.type = rawType & NetlinkAttributeFlags.typeMask
        self.isNested = rawType & NetlinkAttributeFlags.nested != 0
        self.isNetworkByteOrder = rawType & NetlinkAttributeFlags.networkByteOrder != 0
    }

    /// The payload (`nla_len - 4` bytes).
    public var payload: ArraySlice<UInt8> { raw.dropFirst(4) }

    // MARK: - Typed accessors

    /// Runs libmnl on this attribute's header (raw is a slice of 4-aligned storage).
    private func withAttribute<R>(_ body: (UnsafePointer<nlattr>) -> R) -> R {
        raw.withUnsafeBytes { body($0.baseAddress!.assumingMemoryBound(to: nlattr.self)) }
    }

    private func validate(_ kind: mnl_attr_data_type, size: Int, _ name: String?) throws(NetlinkDecodeError) {
        let ok = withAttribute { mnl_attr_validate2($0, kind, size) == 0 }
        guard ok else {
            throw NetlinkDecodeError(
                .attributeLength(
                    NetlinkAttributeName(type, name), expected: size,
                    actual: payload.count))
        }
    }

    /// A u8 (`NLA_U8`): exactly 1 byte.
    public func u8(name: String? = nil) throws(NetlinkDecodeError) -> UInt8 {
        try validate(MNL_TYPE_U8, size: 1, name)
        return withAttribute { mnl_attr_get_u8($0) }
    }

    /// A u16 in host order (`NLA_U16`): exactly 2 bytes.
    public func u16(name: String? = nil) throws(NetlinkDecodeError) -> UInt16 {
        try validate(MNL_TYPE_U16, size: 2, name)
        return withAttribute { mnl_attr_get_u16($0) }
    }

    /// A u16 in network order (`NLA_BE16`, put with `nla_put_be16`), returned in host order.
    public func be16(name: String? = nil) throws(NetlinkDecodeError) -> UInt16 {
        UInt16(bigEndian: try u16(name: name))
    }

    /// A u32 in host order (`NLA_U32`): exactly 4 bytes.
    public func u32(name: String? = nil) throws(NetlinkDecodeError) -> UInt32 {
        try validate(MNL_TYPE_U32, size: 4, name)
        return withAttribute { mnl_attr_get_u32($0) }
    }

    /// An s32 in host order (`NLA_S32`): exactly 4 bytes.
    public func s32(name: String? = nil) throws(NetlinkDecodeError) -> Int32 {
        Int32(bitPattern: try u32(name: name))
    }

    /// A u64 in host order (`NLA_U64`): exactly 8 bytes.
    public func u64(name: String? = nil) throws(NetlinkDecodeError) -> UInt64 {
        try validate(MNL_TYPE_U64, size: 8, name)
        return withAttribute { mnl_attr_get_u64($0) }
    }

    /// A payload of exactly `count` bytes (an `in_addr`, an `in6_addr`, ...).
    public func bytes(count: Int, name: String? = nil) throws(NetlinkDecodeError) -> [UInt8] {
        try validate(MNL_TYPE_BINARY, size: count, name)
        return Array(payload)
    }

    /// A NUL-terminated string (`NLA_NUL_STRING`), without its terminator. Bytes after an
    /// embedded NUL are ignored, as C readers would; invalid UTF-8 is repaired, not rejected.
    public func string(name: String? = nil) throws(NetlinkDecodeError) -> String {
        let ok = withAttribute { mnl_attr_validate($0, MNL_TYPE_NUL_STRING) == 0 }
        guard ok else { throw NetlinkDecodeError(.unterminatedString(NetlinkAttributeName(type, name))) }
        let text = payload.prefix { $0 != 0 }
        return String(decoding: text, as: UTF8.self)
    }

    /// The payload parsed as a list of attributes (a nest). Errors inside are reported
    /// within "attribute N (name)".
    public func nested(name: String? = nil) throws(NetlinkDecodeError) -> NetlinkAttributes {
        do {
            return try NetlinkAttributes(parsing: payload)
        } catch {
            throw error.within(NetlinkAttributeName(type, name).description)
        }
    }
}
