import Glibc

/// An IPv4 or IPv6 address with a port: what `MPTCPSocket` binds, connects and accepts.
/// Stored as raw network-order bytes so the value is `Sendable` and comparable.
public struct InetAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable {
        case ipv4, ipv6

        /// AF_INET / AF_INET6.
        public var domain: Int32 { self == .ipv4 ? AF_INET : AF_INET6 }
    }

    public let family: Family
    /// 4 (IPv4) or 16 (IPv6) bytes in network order.
    public let bytes: [UInt8]
    public let port: UInt16

    /// Wraps raw bytes; returns nil unless there are exactly 4 or 16 of them.
    public init?(bytes: [UInt8], port: UInt16) {
        switch bytes.count {
        case 4: family = .ipv4
        case 16: family = .ipv6
        default: return nil
        }
        self.bytes = bytes
        self.port = port
    }

    /// Parses numeric text (`198.18.1.2`, `2001:db8::1`, `[2001:db8::1]`); no name lookup.
    public init?(_ text: String, port: UInt16) {
        var host = Substring(text)
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        let literal = String(host)
        if literal.contains(":") {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, literal, &raw) == 1 else { return nil }
            let copied = withUnsafeBytes(of: &raw) { Array($0) }
            self.init(bytes: copied, port: port)
        } else {
            var raw = in_addr()
            guard inet_pton(AF_INET, literal, &raw) == 1 else { return nil }
            let copied = withUnsafeBytes(of: &raw) { Array($0) }
            self.init(bytes: copied, port: port)
        }
    }

    /// 0.0.0.0 or :: with `port`.
    public static func unspecified(_ family: Family, port: UInt16) -> InetAddress {
        InetAddress(bytes: [UInt8](repeating: 0, count: family == .ipv4 ? 4 : 16), port: port)!
    }

    /// The same address with another port.
    public func with(port: UInt16) -> InetAddress {
        InetAddress(bytes: bytes, port: port)!
    }

    /// The address without the port, as inet_ntop prints it.
    public var host: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok = bytes.withUnsafeBytes { raw in
            text.withUnsafeMutableBufferPointer { out in
                inet_ntop(family.domain, raw.baseAddress, out.baseAddress, socklen_t(out.count)) != nil
            }
        }
        guard ok else { return "?" }
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// `198.18.1.2:5201` or `[2001:db8:1::2]:5201`.
    public var description: String {
        family == .ipv4 ? "\(host):\(port)" : "[\(host)]:\(port)"
    }

    // MARK: sockaddr conversion (module-internal)

    /// Calls `body` with a sockaddr_in / sockaddr_in6 built from this value.
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch family {
        case .ipv4:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: bytes) }
            return withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: bytes) }
            return withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// Reads a sockaddr_storage filled by accept/getsockname/getpeername.
    init?(storage: sockaddr_storage) {
        var copy = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let sin = withUnsafeBytes(of: &copy) { $0.loadUnaligned(as: sockaddr_in.self) }
            var address = sin.sin_addr
            self.init(bytes: withUnsafeBytes(of: &address) { Array($0) }, port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = withUnsafeBytes(of: &copy) { $0.loadUnaligned(as: sockaddr_in6.self) }
            var address = sin6.sin6_addr
            self.init(bytes: withUnsafeBytes(of: &address) { Array($0) }, port: UInt16(bigEndian: sin6.sin6_port))
        default:
            return nil
        }
    }
}
