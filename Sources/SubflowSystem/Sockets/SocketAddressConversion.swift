import Glibc
import SubflowPolicy

/// The project has one address type — the SDK's `IPAddress`, and `SocketEndpoint` with a
/// port — from the kernel's messages to the sockets; this file is where it meets `sockaddr`.
extension AddressFamily {
    /// AF_INET / AF_INET6, the socket domain.
    var domain: Int32 { self == .ipv4 ? AF_INET : AF_INET6 }
}

extension SocketEndpoint {
    /// `198.18.0.1` or `2001:db8::1`, also in brackets (`[2001:db8::1]`, as in URLs), with a
    /// port; nil for anything that is not an address literal (no name lookups).
    public init?(literal text: String, port: UInt16) {
        var host = Substring(text)
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard let address = IPAddress(String(host)) else { return nil }
        self.init(address, port: port)
    }

    /// The family's any-address (0.0.0.0 or ::) with `port`.
    public static func unspecified(_ family: AddressFamily, port: UInt16) -> SocketEndpoint {
        SocketEndpoint(IPAddress(bytes: [UInt8](repeating: 0, count: family == .ipv4 ? 4 : 16))!, port: port)
    }

    // MARK: sockaddr conversion (module-internal)

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        let bytes = address.bytes
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
        let bytes: [UInt8]
        let port: UInt16
        switch Int32(storage.ss_family) {
        case AF_INET:
            let sin = withUnsafeBytes(of: &copy) { $0.loadUnaligned(as: sockaddr_in.self) }
            var address = sin.sin_addr
            bytes = withUnsafeBytes(of: &address) { Array($0) }
            port = UInt16(bigEndian: sin.sin_port)
        case AF_INET6:
            let sin6 = withUnsafeBytes(of: &copy) { $0.loadUnaligned(as: sockaddr_in6.self) }
            var address = sin6.sin6_addr
            bytes = withUnsafeBytes(of: &address) { Array($0) }
            port = UInt16(bigEndian: sin6.sin6_port)
        default:
            return nil
        }
        guard let address = IPAddress(bytes: bytes) else { return nil }
        self.init(address, port: port)
    }
}
