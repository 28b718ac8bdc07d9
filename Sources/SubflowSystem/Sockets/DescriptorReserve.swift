import Glibc

/// One descriptor held back (on /dev/null) for the moment the process runs out: a listener
/// whose accept(2) fails with EMFILE stays readable, so a level-triggered loop would wake on
/// it again and again while the clients wait in the backlog. Giving the reserve up lets the
/// pending connections be accepted and closed at once — the clients see the connection end
/// instead of hanging — after which the descriptor is taken back.
public final class DescriptorReserve {
    private var reserve: Descriptor?

    public init() { reserve = Self.take() }

    deinit { reserve?.close() }

    private static func take() -> Descriptor? { try? Descriptor.open("/dev/null", O_RDONLY | O_CLOEXEC).get() }

    /// Accepts and closes at most `maximum` connections pending on the listening socket
    /// `listener`; returns how many.
    public func shed(listener: Descriptor, maximum: Int) -> Int {
        reserve?.close()
        reserve = nil
        defer { reserve = Self.take() }
        var shed = 0
        while shed < maximum {
            guard case .success(let client) = AcceptedSocket.retryingAborted({ system_accept(listener, nil, nil) })
            else { break }
            client.close()
            shed += 1
        }
        return shed
    }
}
