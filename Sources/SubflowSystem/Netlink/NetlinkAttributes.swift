import CMNL

/// The attributes of one message or nest, in wire order.
///
/// Parsing walks the bytes with libmnl's `mnl_attr_ok`/`mnl_attr_next` (the walk behind
/// `mnl_attr_for_each`). Lookups by type follow the kernel's `nla_parse`: when a type occurs
/// more than once, the last occurrence wins. Nothing is interpreted until an accessor is
/// called, so unknown attributes cost nothing and never fail a parse.
public struct NetlinkAttributes: Sendable, Hashable, RandomAccessCollection {
    /// Every attribute, duplicates included, in the order the sender put them.
    public let all: [NetlinkAttribute]
    /// Index in `all` of the last attribute of each type.
    private let lastIndex: [UInt16: Int]

    /// No attributes.
    public init() {
        all = []
        lastIndex = [:]
    }

    /// Parses `bytes` as a sequence of 4-byte-aligned attributes. A header cut short, an
    /// `nla_len` below 4 or past the end of `bytes` throws; stray padding after an attribute's
    /// payload (up to its 4-byte alignment) is accepted.
    public init(parsing bytes: ArraySlice<UInt8>) throws(NetlinkDecodeError) {
        // Copy into fresh storage: its start is aligned, so every attribute header is too.
        let storage = Array(bytes)
        let result: Result<[NetlinkAttribute], NetlinkDecodeError> = storage.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return .success([]) }
            var found: [NetlinkAttribute] = []
            var attribute = base.assumingMemoryBound(to: nlattr.self)
            while true {
                let offset = UnsafeRawPointer(attribute) - base
                guard offset < raw.count else { break }
                let remaining = raw.count - offset
                guard mnl_attr_ok(attribute, Int32(clamping: remaining)) else {
                    return .failure(NetlinkAttributes.diagnose(storage, offset: offset))
                }
                let length = Int(mnl_attr_get_len(attribute))
                found.append(
                    NetlinkAttribute(
                        raw: storage[offset..<offset + length],
                        rawType: attribute.pointee.nla_type, offset: offset))
                attribute = UnsafePointer(mnl_attr_next(attribute))
            }
            return .success(found)
        }
        all = try result.get()
        var last: [UInt16: Int] = [:]
        for (i, attribute) in all.enumerated() { last[attribute.type] = i }
        lastIndex = last
    }

    public init(parsing bytes: [UInt8]) throws(NetlinkDecodeError) {
        try self.init(parsing: bytes[...])
    }

    private static func diagnose(_ storage: [UInt8], offset: Int) -> NetlinkDecodeError {
        let available = storage.count - offset
        guard available >= 4,
            let length = HostByteOrder.uint16(storage[...], at: offset),
            let rawType = HostByteOrder.uint16(storage[...], at: offset + 2)
        else {
            return NetlinkDecodeError(.truncatedAttributeHeader(offset: offset, available: available))
        }
        let name = NetlinkAttributeName(rawType & NetlinkAttributeFlags.typeMask)
        if length < 4 {
            return NetlinkDecodeError(.attributeLengthTooSmall(name, offset: offset, length: Int(length)))
        }
        return NetlinkDecodeError(
            .attributeLengthExceedsData(
                name, offset: offset, length: Int(length),
                available: available))
    }

    // MARK: Collection

    public var startIndex: Int { all.startIndex }
    public var endIndex: Int { all.endIndex }
    public subscript(position: Int) -> NetlinkAttribute { all[position] }

    // MARK: Lookup

    /// The last attribute of this type, or nil.
    public subscript(type type: UInt16) -> NetlinkAttribute? {
        lastIndex[type].map { all[$0] }
    }

    /// Whether an attribute of this type is present.
    public func contains(type: UInt16) -> Bool { lastIndex[type] != nil }

    /// The attribute of this type, or a `missingAttribute` error naming it.
    public func require(_ type: UInt16, name: String? = nil) throws(NetlinkDecodeError) -> NetlinkAttribute {
        guard let attribute = self[type: type] else {
            throw NetlinkDecodeError(.missingAttribute(NetlinkAttributeName(type, name)))
        }
        return attribute
    }

    /// Distinct attribute types in first-seen order.
    public var types: [UInt16] {
        var seen = Set<UInt16>()
        return all.map(\.type).filter { seen.insert($0).inserted }
    }

    // MARK: Optional typed lookups (nil when absent, throw when malformed)

    public func u8(_ type: UInt16, name: String? = nil) throws(NetlinkDecodeError) -> UInt8? {
        try self[type: type]?.u8(name: name)
    }

    public func u16(_ type: UInt16, name: String? = nil) throws(NetlinkDecodeError) -> UInt16? {
        try self[type: type]?.u16(name: name)
    }

    public func be16(_ type: UInt16, name: String? = nil) throws(NetlinkDecodeError) -> UInt16? {
        try self[type: type]?.be16(name: name)
    }

    public func u32(_ type: UInt16, name: String? = nil) throws(NetlinkDecodeError) -> UInt32? {
        try self[type: type]?.u32(name: name)
    }

    public func s32(_ type: UInt16, name: String? = nil) throws(NetlinkDecodeError) -> Int32? {
        try self[type: type]?.s32(name: name)
    }

    public func u64(_ type: UInt16, name: String? = nil) throws(NetlinkDecodeError) -> UInt64? {
        try self[type: type]?.u64(name: name)
    }

    public func bytes(_ type: UInt16, count: Int, name: String? = nil) throws(NetlinkDecodeError) -> [UInt8]? {
        try self[type: type]?.bytes(count: count, name: name)
    }

    public func string(_ type: UInt16, name: String? = nil) throws(NetlinkDecodeError) -> String? {
        try self[type: type]?.string(name: name)
    }

    public func nested(_ type: UInt16, name: String? = nil) throws(NetlinkDecodeError) -> NetlinkAttributes? {
        try self[type: type]?.nested(name: name)
    }
}
