import Logging
import SubflowConfiguration
import SubflowSystem

/// Watches a listening socket on the loop and accepts what is pending on each wake-up (at
/// most `burst`, so a flood of connections cannot monopolise the loop).
///
/// Running out of descriptors (EMFILE, ENFILE) is an episode, logged when it starts and when
/// it ends with the number of clients turned away, never once per attempt; meanwhile the
/// pending clients (at most `burst` per wake-up) are accepted with a reserve descriptor and
/// closed at once (`DescriptorReserve`): they learn at once, and the listener stops being
/// readable, so the level-triggered watch does not spin — without any timer, which might
/// need a descriptor too. Any other accept error pauses accepting for a second.
final class AcceptWatch {
    private let loop: EventLoop
    private let fd: Descriptor
    private let name: String
    private let logger: Logger
    /// Accepts one connection; false when none was pending.
    private let acceptOne: () throws(SystemError) -> Bool
    private var watch: FileWatch?
    private var pause: OneShotTimer?
    private let reserve = DescriptorReserve()
    /// Since when descriptors ran out (monotonic ms), and how many clients were turned away.
    private var exhaustion: (since: UInt64, refused: Int)?
    static let burst = 16
    static let pauseMilliseconds: UInt64 = 1_000

    init(
        loop: EventLoop, fd: Descriptor, name: String, logger: Logger,
        acceptOne: @escaping () throws(SystemError) -> Bool
    ) throws(SystemError) {
        self.loop = loop; self.fd = fd; self.name = name; self.logger = logger; self.acceptOne = acceptOne
        try start()
    }

    func cancel() {
        watch?.cancel(); watch = nil
        pause?.cancel(); pause = nil
    }

    private func start() throws(SystemError) {
        watch = try loop.watchReadable(fd: fd) { [weak self] in self?.acceptPending() }
    }

    private func acceptPending() {
        do {
            for _ in 0..<Self.burst {
                guard try acceptOne() else { return }
                endExhaustion()
            }
        } catch {
            if error.isDescriptorExhaustion {
                noteExhaustion(error)
            } else {
                logger.error("\(name): accept failed: \(error); not accepting for 1 s")
                pauseAccepting()
            }
        }
    }

    private func noteExhaustion(_ error: SystemError) {
        let refused = reserve.shed(listener: fd, maximum: Self.burst)
        if var episode = exhaustion {
            episode.refused += refused
            exhaustion = episode
        } else {
            exhaustion = (MonotonicClock.nowMilliseconds, refused)
            logger.error(
                """
                \(name): out of file descriptors (\(error)): new clients are closed at once until \
                descriptors are free again (see LimitNOFILE / ulimit -n)
                """)
        }
    }

    private func endExhaustion() {
        guard let episode = exhaustion else { return }
        exhaustion = nil
        let seconds = (MonotonicClock.nowMilliseconds - episode.since + 500) / 1000
        logger.notice(
            "\(name): accepting again after \(seconds) s without file descriptors; \(episode.refused) clients were turned away"
        )
    }

    private func pauseAccepting() {
        watch?.cancel()
        watch = nil
        pause = loop.after(milliseconds: Self.pauseMilliseconds) { [weak self] in
            guard let self else { return }
            do { try self.start() } catch { self.logger.error("\(self.name): cannot watch the socket again: \(error)") }
        }
    }
}
