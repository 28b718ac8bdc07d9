/// Address family of an IP address, with the kernel's `AF_*` numbers.
public enum AddressFamily: UInt16, Sendable, Hashable, CustomStringConvertible {
    case ipv4 = 2  // AF_INET
    case ipv6 = 10  // AF_INET6
    public var description: String { self == .ipv4 ? "ipv4" : "ipv6" }
}

/// An IPv4 or IPv6 address held by value. Parsing and formatting are pure Swift
/// (RFC 5952 text for IPv6), so policies and recorded traces never need libc.
public enum IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Network byte order packed into a UInt32: 198.18.0.1 is 0xC612_0001.
    case v4(UInt32)
    /// The 16 bytes as two big-endian halves.
    case v6(UInt64, UInt64)

    public var family: AddressFamily {
        if case .v4 = self { return .ipv4 }
        return .ipv6
    }

    /// Builds an address from raw network-order bytes (4 or 16 of them); nil for other lengths.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        switch bytes.count {
        case 4:
            self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            let all = Array(bytes)
            let hi = all[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let lo = all[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self = .v6(hi, lo)
        default:
            return nil
        }
    }

    /// The address in network byte order, as the kernel puts it on the wire.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let v): return (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) }
        case .v6(let hi, let lo):
            return (0..<8).map { UInt8(truncatingIfNeeded: hi >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: lo >> (56 - 8 * $0)) }
        }
    }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::` and an embedded IPv4 tail).
    public init?(_ text: String) {
        if text.contains(":") {
            guard let v6 = IPAddress.parseV6(Substring(text)) else { return nil }
            self = v6
        } else {
            guard let v4 = IPAddress.parseV4(Substring(text)) else { return nil }
            self = .v4(v4)
        }
    }

    private static func parseV4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII),
                let octet = UInt8(part), !(part.count > 1 && part.first == "0")
            else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    private static func parseV6(_ text: Substring) -> IPAddress? {
        var groups: [UInt16] = []
        var tail: [UInt16] = []
        var seenGap = false
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func parseGroups(_ s: Substring, allowV4Tail: Bool) -> [UInt16]? {
            if s.isEmpty { return [] }
            let items = s.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt16] = []
            for (i, item) in items.enumerated() {
                if allowV4Tail, i == items.count - 1, item.contains(".") {
                    guard let v4 = parseV4(item) else { return nil }
                    out.append(UInt16(v4 >> 16)); out.append(UInt16(v4 & 0xffff))
                } else {
                    guard (1...4).contains(item.count), let g = UInt16(item, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        if halves.count == 2 {
            seenGap = true
            guard let head = parseGroups(halves[0], allowV4Tail: false),
                let back = parseGroups(halves[1], allowV4Tail: true)
            else { return nil }
            groups = head; tail = back
            guard groups.count + tail.count <= 7 else { return nil }
        } else {
            guard let all = parseGroups(halves[0], allowV4Tail: true), all.count == 8 else { return nil }
            groups = all
        }
        if seenGap { groups += Array(repeating: 0, count: 8 - groups.count - tail.count) + tail }
        let hi = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let lo = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return .v6(hi, lo)
    }

    public var description: String {
        switch self {
        case .v4(let v):
            return "\(v >> 24).\(v >> 16 & 0xff).\(v >> 8 & 0xff).\(v & 0xff)"
        case .v6(let hi, let lo):
            if hi == 0, lo >> 32 == 0xffff {  // v4-mapped: ::ffff:a.b.c.d
                return "::ffff:" + IPAddress.v4(UInt32(truncatingIfNeeded: lo)).description
            }
            let g =
                (0..<4).map { UInt16(truncatingIfNeeded: hi >> (48 - 16 * $0)) }
                + (0..<4).map { UInt16(truncatingIfNeeded: lo >> (48 - 16 * $0)) }
            // RFC 5952: compress the longest run (length >= 2) of zero groups, the first if tied.
            var best = (start: -1, length: 0), run = (start: -1, length: 0)
            for (i, v) in g.enumerated() {
                if v == 0 {
                    run = run.start < 0 ? (i, 1) : (run.start, run.length + 1)
                    if run.length > best.length { best = run }
                } else {
                    run = (-1, 0)
                }
            }
            func hex(_ r: ArraySlice<UInt16>) -> String { r.map { String($0, radix: 16) }.joined(separator: ":") }
            if best.length < 2 { return hex(g[...]) }
            return hex(g[0..<best.start]) + "::" + hex(g[(best.start + best.length)...])
        }
    }

    /// True for 127.0.0.0/8 and ::1.
    public var isLoopback: Bool {
        switch self {
        case .v4(let v): return v >> 24 == 127
        case .v6(let hi, let lo): return hi == 0 && lo == 1
        }
    }

    /// True for 169.254.0.0/16 and fe80::/10.
    public var isLinkLocal: Bool {
        switch self {
        case .v4(let v): return v >> 16 == 0xA9FE
        case .v6(let hi, _): return hi >> 54 == 0x3FA
        }
    }

    /// The IPv4 address inside a v4-mapped IPv6 address (::ffff:a.b.c.d), if it is one.
    public var unmappedIPv4: IPAddress? {
        if case .v6(let hi, let lo) = self, hi == 0, lo >> 32 == 0xffff { return .v4(UInt32(truncatingIfNeeded: lo)) }
        return nil
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): return x < y
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        case (.v6(let h1, let l1), .v6(let h2, let l2)): return (h1, l1) < (h2, l2)
        }
    }
}

extension StringProtocol {
    fileprivate func components(separatedBy separator: String) -> [Substring] {
        var result: [Substring] = []
        var rest = Substring(self)
        while let r = rest.firstRange(of: separator) {
            result.append(rest[..<r.lowerBound])
            rest = rest[r.upperBound...]
        }
        result.append(rest)
        return result
    }
}
