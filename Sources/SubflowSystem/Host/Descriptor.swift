/// An open file descriptor: a socket, a file, an epoll set, a timerfd. A plain value, like
/// swift-system's FileDescriptor: it does not own the descriptor and never closes it by
/// itself; the type that opened it (a socket class, LoopStream, OpenedFile) does.
/// `rawValue` is the number, for logs and `/proc/self/fd/N`.
public struct Descriptor: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let standardInput = Descriptor(rawValue: 0)
    public static let standardOutput = Descriptor(rawValue: 1)
    public static let standardError = Descriptor(rawValue: 2)

    /// The number alone, as logs have always shown it (`descriptor 612`).
    public var description: String { String(rawValue) }

    /// close(2), once: on Linux the descriptor is released even when close reports EINTR, so
    /// it is never retried (a retry could close a descriptor another thread just opened).
    public func close() { _ = system_close(self) }
}

extension Descriptor {
    /// What a socket class holds once closed: every call on it fails with EBADF, as on -1 in
    /// C, so a closed socket never acts on a number the kernel has since handed out again.
    static let closed = Descriptor(rawValue: -1)
}
