import CELL
import Glibc
import Synchronization

/// The daemon's single event loop: file-descriptor watches, one-shot timers and signals.
/// Every handler runs on the thread that called `run`, one at a time, so the code behind
/// them needs no locks.
///
/// The loop waits on an epoll set of its own (see `DescriptorWatches`) that holds every
/// watched descriptor of any number, one timerfd for all timers (see `TimerQueue`) and the
/// signalfds; each turn serves a bounded number of ready descriptors and due timers. ELL's
/// main loop (`l_main_init`) still exists, nested: its epoll descriptor is one of our watches
/// and is iterated when ready, so ELL code keeps working, but nothing of ours depends on ELL's
/// 128-entry watch table (descriptors 0–127 only) or on its treating EPOLLERR as a disconnect.
/// Nothing needs a low descriptor number, so a loop created late, with hundreds of descriptors
/// open, works like one created first.
///
/// Only one EventLoop may exist per process (ELL's main loop is process-global).
public final class EventLoop {
    private let watches: DescriptorWatches
    private let timers: TimerQueue
    private var timerWatch: FileWatch?
    private var ellWatch: FileWatch?
    /// The signalfds of `onSignal`, closed with the loop.
    private var signalWatches: [(fd: Descriptor, watch: FileWatch)] = []
    private var onTerminate: ((Int32) -> Void)?
    private var stopRequested = false

    /// Whether an EventLoop exists in this process. ELL 0.56 does not refuse a second
    /// `l_main_init`: it replaces the global epoll descriptor (leaking the first one's, which
    /// the first loop still watches), and either loop's `l_main_exit` then ends ELL's loop
    /// under the other. So the one-loop rule is kept here.
    private static let exists = Atomic<Bool>(false)

    /// Initialises ELL's main loop (`l_main_init`) and the loop's own descriptors. Throws
    /// EBUSY while another EventLoop exists in this process.
    public init() throws(SystemError) {
        guard Self.exists.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else {
            throw SystemError(
                operation: "l_main_init", errno: .resourceBusy, detail: "(another EventLoop exists in this process)")
        }
        guard l_main_init() else {
            Self.exists.store(false, ordering: .releasing)
            throw SystemError(operation: "l_main_init", errno: .resourceBusy)
        }
        do {
            watches = try DescriptorWatches()
            timers = try TimerQueue()
        } catch {
            _ = l_main_exit()
            Self.exists.store(false, ordering: .releasing)
            throw error
        }
        // From here a throw runs deinit, which undoes whatever was set up.
        timerWatch = try watchReadable(fd: timers.fd) { [unowned timers] in timers.fireDue() }
        ellWatch = try watchReadable(fd: Descriptor(rawValue: l_main_get_epoll_fd())) { l_main_iterate(0) }
        // Our own signalfds rather than l_main_run_with_signal's, which ELL would watch in its
        // own table (only descriptors 0–127: SIGTERM would then be ignored).
        for signal in [SIGINT, SIGTERM] {
            try onSignal(signal) { [unowned self] in self.onTerminate?(signal) }
        }
    }

    deinit {
        timerWatch?.cancel()
        ellWatch?.cancel()
        for (fd, watch) in signalWatches {
            watch.cancel()
            fd.close()
        }
        signalWatches.removeAll()
        _ = l_main_exit()
        Self.exists.store(false, ordering: .releasing)
    }

    /// Calls `handler` whenever `fd` is readable, has an error pending or hung up, until the
    /// returned watch is cancelled (level-triggered: read until EAGAIN, or be called again).
    /// Any descriptor number works. The descriptor is not closed by the watch. Throws when the
    /// kernel refuses the watch (e.g. the descriptor is already watched: EEXIST).
    public func watchReadable(fd: Descriptor, _ handler: @escaping () -> Void) throws(SystemError) -> FileWatch {
        try FileWatch(registration: WatchRegistration(fd: fd, onReadable: handler), in: watches)
    }

    /// A watch with a read handler and a hang-up handler (called on EPOLLERR/EPOLLHUP once
    /// reading has stopped); the write handler is set later on the watch.
    func watch(
        fd: Descriptor, onReadable: @escaping () -> Void, onHangUp: @escaping () -> Void
    ) throws(SystemError) -> FileWatch {
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
        let fd = try descriptorOrErrno(system_signalfd(&set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))).orThrow("signalfd")
        do {
            signalWatches.append(
                (
                    fd,
                    try watchReadable(fd: fd) {
                        var info = signalfd_siginfo()
                        var delivered = false
                        while withUnsafeMutableBytes(
                            of: &info, { raw in retryingOnInterrupt { system_read(fd, raw.baseAddress, raw.count) } })
                            == .success(MemoryLayout<signalfd_siginfo>.size)
                        {
                            delivered = true
                        }
                        if delivered { handler() }
                    }
                ))
        } catch {
            fd.close()
            throw error
        }
    }

    /// Runs the loop until `stop()`; SIGINT and SIGTERM are passed to `onTerminate`
    /// (which usually calls `stop()`). Returns the loop's exit status (EXIT_SUCCESS).
    @discardableResult
    public func run(onTerminate: @escaping (Int32) -> Void) -> Int32 {
        self.onTerminate = onTerminate
        defer { self.onTerminate = nil }
        while !stopRequested { watches.dispatchReady(waitingMilliseconds: -1) }
        stopRequested = false
        return EXIT_SUCCESS
    }

    /// Makes `run` return after the current handler (at once if called before `run`).
    public func stop() { stopRequested = true }

    /// Runs one iteration of the loop, waiting at most `milliseconds` (-1: until something happens).
    /// For tests that drive the loop step by step.
    public func iterate(timeoutMilliseconds milliseconds: Int32) {
        watches.dispatchReady(waitingMilliseconds: milliseconds)
    }
}
