import Glibc

/// An errno value by name, so that code compares `error.errno == .timedOut`, never `== 110`,
/// and modules that do not import Glibc can still name what a failed call returned.
/// The raw value is the kernel's number (what logs, JSON answers and metrics show).
public struct Errno: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's current errno (right after a failed call).
    static var current: Errno { Errno(rawValue: Glibc.errno) }

    /// EINTR: a signal arrived before the call did anything; it may be made again.
    public static let interrupted = Errno(rawValue: EINTR)
    /// EAGAIN (= EWOULDBLOCK on Linux): a non-blocking call found nothing to do now.
    public static let tryAgain = Errno(rawValue: EAGAIN)
    /// EWOULDBLOCK: the same number as EAGAIN on Linux.
    public static let wouldBlock = Errno(rawValue: EWOULDBLOCK)
    public static let noSuchProcess = Errno(rawValue: ESRCH)
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    /// ENOBUFS: for netlink, the kernel dropped messages because the receive buffer was full.
    public static let noBufferSpace = Errno(rawValue: ENOBUFS)
    public static let timedOut = Errno(rawValue: ETIMEDOUT)
    public static let invalidArgument = Errno(rawValue: EINVAL)
    public static let permissionDenied = Errno(rawValue: EACCES)
    public static let operationNotPermitted = Errno(rawValue: EPERM)
    public static let addressInUse = Errno(rawValue: EADDRINUSE)
    /// EMFILE: this process has no descriptor left.
    public static let tooManyOpenFiles = Errno(rawValue: EMFILE)
    /// ENFILE: the whole system has no descriptor left.
    public static let tooManyOpenFilesInSystem = Errno(rawValue: ENFILE)
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    public static let fileExists = Errno(rawValue: EEXIST)
    public static let fileTooLarge = Errno(rawValue: EFBIG)
    public static let nameTooLong = Errno(rawValue: ENAMETOOLONG)
    public static let messageTooLong = Errno(rawValue: EMSGSIZE)
    public static let resultOutOfRange = Errno(rawValue: ERANGE)
    public static let resourceBusy = Errno(rawValue: EBUSY)
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    public static let connectionReset = Errno(rawValue: ECONNRESET)
    /// ECONNABORTED: a pending connection was reset before accept(2) took it.
    public static let connectionAborted = Errno(rawValue: ECONNABORTED)
    /// EINPROGRESS: a non-blocking connect(2) goes on in the background.
    public static let inProgress = Errno(rawValue: EINPROGRESS)
    public static let protocolNotSupported = Errno(rawValue: EPROTONOSUPPORT)
    public static let protocolNotAvailable = Errno(rawValue: ENOPROTOOPT)
    public static let notSupported = Errno(rawValue: EOPNOTSUPP)
    public static let addressFamilyNotSupported = Errno(rawValue: EAFNOSUPPORT)
    public static let protocolError = Errno(rawValue: EPROTO)
    public static let brokenPipe = Errno(rawValue: EPIPE)
    public static let noSpace = Errno(rawValue: ENOSPC)
    public static let outOfMemory = Errno(rawValue: ENOMEM)
    public static let noDevice = Errno(rawValue: ENODEV)
    public static let ioError = Errno(rawValue: EIO)

    /// The symbolic name of the numbers this file names (`ETIMEDOUT`), nil for others.
    public var name: String? { Self.names[rawValue] }

    /// strerror(3)'s text.
    public var message: String { String(cString: strerror(rawValue)) }

    /// `ETIMEDOUT (Connection timed out)`, or `errno 200 (Unknown error 200)`.
    public var description: String { "\(name ?? "errno \(rawValue)") (\(message))" }

    private static let names: [Int32: String] = [
        EINTR: "EINTR", EAGAIN: "EAGAIN", ESRCH: "ESRCH", ENOENT: "ENOENT", ENOBUFS: "ENOBUFS",
        ETIMEDOUT: "ETIMEDOUT", EINVAL: "EINVAL", EACCES: "EACCES", EPERM: "EPERM", EADDRINUSE: "EADDRINUSE",
        EMFILE: "EMFILE", ENFILE: "ENFILE", EBADF: "EBADF", EEXIST: "EEXIST", EFBIG: "EFBIG",
        ENAMETOOLONG: "ENAMETOOLONG", EMSGSIZE: "EMSGSIZE", ERANGE: "ERANGE", EBUSY: "EBUSY",
        ECONNREFUSED: "ECONNREFUSED", ECONNRESET: "ECONNRESET", ECONNABORTED: "ECONNABORTED",
        EINPROGRESS: "EINPROGRESS", EPROTONOSUPPORT: "EPROTONOSUPPORT", ENOPROTOOPT: "ENOPROTOOPT",
        EOPNOTSUPP: "EOPNOTSUPP", EAFNOSUPPORT: "EAFNOSUPPORT", EPROTO: "EPROTO", EPIPE: "EPIPE",
        ENOSPC: "ENOSPC", ENOMEM: "ENOMEM", ENODEV: "ENODEV", EIO: "EIO",
    ]
}
