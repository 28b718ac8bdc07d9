import Glibc

/// A failed system call: which operation, on what, and the errno it returned.
public struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    public var errno: Int32
    public var detail: String?

    public init(operation: String, errno: Int32, detail: String? = nil) {
        self.operation = operation; self.errno = errno; self.detail = detail
    }

    /// Builds the error from the calling thread's current errno.
    public static func last(_ operation: String, _ detail: String? = nil) -> SystemError {
        SystemError(operation: operation, errno: Glibc.errno, detail: detail)
    }

    public var message: String { String(cString: strerror(errno)) }

    public var description: String {
        "\(operation)\(detail.map { " \($0)" } ?? ""): \(message) (errno \(errno))"
    }
}
