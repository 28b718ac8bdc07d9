import CELL
import Glibc

/// The daemon's single event loop: ELL's `l_main`, with file-descriptor watches, one-shot
/// timers and signals. Every handler runs on the thread that called `run`, one at a time,
/// so the code behind them needs no locks.
///
/// ELL watches one descriptor only, opened here while it is low (ELL 0.56 handles 0–127 only):
/// our own epoll instance, which holds every watched descriptor of any number (see
/// `DescriptorWatches`), among them one timerfd for all timers (see `TimerQueue`) and the
/// signalfds. Each loop turn serves a bounded number of ready descriptors and due timers.
///
/// Only one EventLoop may exist per process (ELL's main loop is process-global).
public final class EventLoop {
    private let watches: DescriptorWatches
    private let timers: TimerQueue
    private var timerWatch: FileWatch?
    private var ellWatch: OpaquePointer?
    /// The signalfds of `onSignal`, closed with the loop.
    private var signalWatches: [(fd: Int32, watch: FileWatch)] = []
    private var onTerminate: ((Int32) -> Void)?

    /// Initialises ELL's main loop (`l_main_init`) and the loop's own descriptors.
    public init() throws(SystemError) {
        guard l_main_init() else { throw SystemError(operation: "l_main_init", errno: EBUSY) }
        do {
            watches = try DescriptorWatches()
            timers = try TimerQueue()
        } catch {
            _ = l_main_exit()
            throw error
        }
        // From here a throw runs deinit, which undoes whatever was set up.
        ellWatch = try Self.watchWithELL(fd: watches.epollFD, watches)
        timerWatch = try watchReadable(fd: timers.fd) { [unowned timers] in timers.fireDue() }
        // Our own signalfds rather than l_main_run_with_signal's: ELL opens that one when the
        // loop starts, by then possibly above descriptor 127, and would then ignore SIGTERM.
        for signal in [SIGINT, SIGTERM] {
            try onSignal(signal) { [unowned self] in self.onTerminate?(signal) }
        }
    }

    deinit {
        timerWatch?.cancel()
        for (fd, watch) in signalWatches {
            watch.cancel()
            Glibc.close(fd)
        }
        signalWatches.removeAll()
        if let ellWatch { l_io_destroy(ellWatch) }
        _ = l_main_exit()
    }

    /// Registers one of the loop's own descriptors with ELL; its readiness runs `dispatchReady`.
    private static func watchWithELL(fd: Int32, _ watches: DescriptorWatches) throws(SystemError) -> OpaquePointer {
        guard let io = l_io_new(fd) else {
            throw SystemError(operation: "l_io_new", errno: ERANGE,
                              detail: "descriptor \(fd) (ELL watches 0–127 only; create the EventLoop before opening many descriptors)")
        }
        _ = l_io_set_close_on_destroy(io, false)
        let box = Unmanaged.passRetained(watches).toOpaque()
        guard l_io_set_read_handler(io, { _, userData in
            Unmanaged<DescriptorWatches>.fromOpaque(userData!).takeUnretainedValue().dispatchReady()
            return true
        }, box, { userData in
            Unmanaged<DescriptorWatches>.fromOpaque(userData!).release()
        }) else {
            Unmanaged<DescriptorWatches>.fromOpaque(box).release()
            l_io_destroy(io)
            throw SystemError(operation: "l_io_set_read_handler", errno: EINVAL, detail: "descriptor \(fd)")
        }
        return io
    }

    /// Calls `handler` whenever `fd` is readable, has an error pending or hung up, until the
    /// returned watch is cancelled (level-triggered: read until EAGAIN, or be called again).
    /// Any descriptor number works. The descriptor is not closed by the watch. Throws when the
    /// kernel refuses the watch (e.g. the descriptor is already watched: EEXIST).
    public func watchReadable(fd: Int32, _ handler: @escaping () -> Void) throws(SystemError) -> FileWatch {
        try FileWatch(registration: WatchRegistration(fd: fd, onReadable: handler), in: watches)
    }

    /// A watch with a read handler and a hang-up handler (called on EPOLLERR/EPOLLHUP once
    /// reading has stopped); the write handler is set later on the watch.
    func watch(fd: Int32, onReadable: @escaping () -> Void, onHangUp: @escaping () -> Void) throws(SystemError) -> FileWatch {
        try FileWatch(registration: WatchRegistration(fd: fd, onReadable: onReadable, onHangUp: onHangUp), in: watches)
    }

    /// How many descriptors are watched now (for tests and metrics).
    public var watchCount: Int { watches.count }

    /// Runs `handler` once after `milliseconds` (monotonic clock; never earlier; 0: on the next
    /// loop turn). Cancel the returned timer to drop it. A timer costs no descriptor, and
    /// scheduling cannot fail.
    @discardableResult
    public func after(milliseconds: UInt64, _ handler: @escaping () -> Void) -> OneShotTimer {
        let timer = OneShotTimer(handler)
        timers.schedule(timer, afterMilliseconds: milliseconds)
        return timer
    }

    /// Timers scheduled and neither fired nor cancelled (for tests and metrics).
    public var pendingTimerCount: Int { timers.pendingCount }

    /// Calls `handler` on the loop thread whenever `signal` arrives. The signal is blocked and
    /// read from a signalfd, so the handler may do anything, unlike a classic signal handler.
    public func onSignal(_ signal: Int32, _ handler: @escaping () -> Void) throws(SystemError) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        guard pthread_sigmask(SIG_BLOCK, &set, nil) == 0 else { throw SystemError.last("pthread_sigmask") }
        let fd = signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard fd >= 0 else { throw SystemError.last("signalfd") }
        do {
            signalWatches.append((fd, try watchReadable(fd: fd) {
                var info = signalfd_siginfo()
                var delivered = false
                while withUnsafeMutableBytes(of: &info, { Glibc.read(fd, $0.baseAddress, $0.count) }) == MemoryLayout<signalfd_siginfo>.size {
                    delivered = true
                }
                if delivered { handler() }
            }))
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// Runs the loop until `stop()`; SIGINT and SIGTERM are passed to `onTerminate`
    /// (which usually calls `stop()`). Returns the loop's exit status.
    @discardableResult
    public func run(onTerminate: @escaping (Int32) -> Void) -> Int32 {
        self.onTerminate = onTerminate
        defer { self.onTerminate = nil }
        return l_main_run()
    }

    /// Makes `run` return after the current handler.
    public func stop() { _ = l_main_quit() }

    /// Runs one iteration of the loop, waiting at most `milliseconds` (-1: until something happens).
    /// For tests that drive the loop step by step.
    public func iterate(timeoutMilliseconds milliseconds: Int32) {
        l_main_iterate(milliseconds)
    }
}
