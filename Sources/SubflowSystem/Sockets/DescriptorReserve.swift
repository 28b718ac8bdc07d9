import Glibc

/// One descriptor held back (on /dev/null) for the moment the process runs out: a listener
/// whose accept(2) fails with EMFILE stays readable, so a level-triggered loop would wake on
/// it again and again while the clients wait in the backlog. Giving the reserve up lets the
/// pending connections be accepted and closed at once — the clients see the connection end
/// instead of hanging — after which the descriptor is taken back.
public final class DescriptorReserve {
    private var fd: Int32

    public init() { fd = open("/dev/null", O_RDONLY | O_CLOEXEC) }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Accepts and closes at most `maximum` connections pending on the listening socket
    /// `listener`; returns how many.
    public func shed(listener: Int32, maximum: Int) -> Int {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
        defer { fd = open("/dev/null", O_RDONLY | O_CLOEXEC) }
        var shed = 0
        while shed < maximum {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR || errno == ECONNABORTED { continue }
                break
            }
            Glibc.close(client)
            shed += 1
        }
        return shed
    }
}

extension SystemError {
    /// EMFILE or ENFILE: this process, or the whole system, has no descriptor left.
    public var isDescriptorExhaustion: Bool { errno == EMFILE || errno == ENFILE }
}
