import Logging
import SubflowSystem

/// Watches a listening socket on the loop and accepts what is pending on each wake-up (at
/// most `burst`, so a flood of connections cannot monopolise the loop). An accept error
/// other than "nothing pending" — EMFILE when descriptors run out — pauses accepting for a
/// second: the watch is level-triggered and would otherwise spin on the same error.
final class AcceptWatch {
    private let loop: EventLoop
    private let fd: Int32
    private let name: String
    private let logger: Logger
    /// Accepts one connection; false when none was pending.
    private let acceptOne: () throws(SystemError) -> Bool
    private var watch: FileWatch?
    private var pause: OneShotTimer?
    static let burst = 16

    init(loop: EventLoop, fd: Int32, name: String, logger: Logger,
         acceptOne: @escaping () throws(SystemError) -> Bool) throws(SystemError) {
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
            }
        } catch {
            logger.error("\(name): accept failed: \(error); not accepting for 1 s")
            watch?.cancel()
            watch = nil
            pause = loop.after(milliseconds: 1_000) { [weak self] in
                guard let self else { return }
                do { try self.start() } catch { self.logger.error("\(self.name): cannot watch the socket again: \(error)") }
            }
        }
    }
}
