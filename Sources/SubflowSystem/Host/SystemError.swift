import SubflowFormats

/// A failed system call: which operation, on what, and the errno it returned — or a refusal
/// with its own explanation (a FIFO where a file was expected, a file over its size limit).
/// The one error type of this module's calls: sockets, files, the loop.
public struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    public var errno: Errno
    public var detail: String?
    /// Replaces strerror's text when set: what is wrong and what to do.
    public var explanation: String?

    public init(operation: String, errno: Errno, detail: String? = nil) {
        self.operation = operation; self.errno = errno; self.detail = detail
    }

    public init(operation: String, errno: Errno, detail: String?, explanation: String) {
        self.init(operation: operation, errno: errno, detail: detail)
        self.explanation = explanation
    }

    /// Builds the error from the calling thread's current errno.
    public static func last(_ operation: String, _ detail: String? = nil) -> SystemError {
        SystemError(operation: operation, errno: .current, detail: detail)
    }

    /// A refusal of `path` (shown escaped and cut) that is not a failed call.
    public static func refused(
        _ operation: String, _ path: String, errno: Errno = .invalidArgument,
        _ explanation: String
    ) -> SystemError {
        SystemError(
            operation: operation, errno: errno, detail: InputExcerpt.of(path, limit: 200), explanation: explanation)
    }

    public var message: String { explanation ?? errno.message }

    public var description: String {
        "\(operation)\(detail.map { " \($0)" } ?? ""): \(message)\(explanation == nil ? " (errno \(errno.rawValue))" : "")"
    }

    /// EMFILE or ENFILE: this process, or the whole system, has no descriptor left.
    public var isDescriptorExhaustion: Bool { errno == .tooManyOpenFiles || errno == .tooManyOpenFilesInSystem }

    /// `socket(…, IPPROTO_MPTCP)` fails with EPROTONOSUPPORT when the kernel has no MPTCP and
    /// with ENOPROTOOPT when `net.mptcp.enabled` is 0 in this network namespace.
    public var isMPTCPUnavailable: Bool { errno == .protocolNotSupported || errno == .protocolNotAvailable }
}
