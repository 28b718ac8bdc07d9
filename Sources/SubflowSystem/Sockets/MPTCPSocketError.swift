import Glibc

/// A failed socket call made by `MPTCPSocket`: the operation (with its argument, e.g.
/// `connect(198.18.1.2:5201)`) and the errno the kernel returned.
public struct MPTCPSocketError: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    public var errno: Int32

    public init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    /// Builds the error from the calling thread's current errno.
    static func last(_ operation: String) -> MPTCPSocketError {
        MPTCPSocketError(operation: operation, errno: Glibc.errno)
    }

    /// `socket(…, IPPROTO_MPTCP)` fails with EPROTONOSUPPORT when the kernel has no MPTCP and
    /// with ENOPROTOOPT when `net.mptcp.enabled` is 0 in this network namespace.
    public var isMPTCPUnavailable: Bool {
        errno == EPROTONOSUPPORT || errno == ENOPROTOOPT
    }

    /// strerror() text of `errno`.
    public var message: String { String(cString: strerror(errno)) }

    public var description: String { "\(operation): \(message) (errno \(errno))" }
}
