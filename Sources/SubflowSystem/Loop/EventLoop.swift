import CELL
import Glibc

/// The daemon's single event loop: ELL's `l_main`, with file-descriptor watches, one-shot
/// timers and signals. Every handler runs on the thread that called `run`, one at a time,
/// so the code behind them needs no locks.
///
/// Only one EventLoop may exist per process (ELL's main loop is process-global).
public final class EventLoop {
    private var signalWatches: [FileWatch] = []

    /// Initialises ELL's main loop (`l_main_init`).
    public init() throws(SystemError) {
        guard l_main_init() else { throw SystemError(operation: "l_main_init", errno: EBUSY) }
    }

    deinit {
        signalWatches.removeAll()
        _ = l_main_exit()
    }

    /// Calls `handler` whenever `fd` is readable, until the returned watch is cancelled.
    /// The descriptor is not closed by the watch.
    public func watchReadable(fd: Int32, _ handler: @escaping () -> Void) throws(SystemError) -> FileWatch {
        guard let io = l_io_new(fd) else { throw SystemError(operation: "l_io_new", errno: EINVAL) }
        _ = l_io_set_close_on_destroy(io, false)
        let box = Unmanaged.passRetained(CallbackBox(handler)).toOpaque()
        let ok = l_io_set_read_handler(io, { _, userData in
            Unmanaged<CallbackBox>.fromOpaque(userData!).takeUnretainedValue().call()
            return true
        }, box, { userData in
            Unmanaged<CallbackBox>.fromOpaque(userData!).release()
        })
        guard ok else {
            Unmanaged<CallbackBox>.fromOpaque(box).release()
            l_io_destroy(io)
            throw SystemError(operation: "l_io_set_read_handler", errno: EINVAL)
        }
        return FileWatch(io: io)
    }

    /// Runs `handler` once after `milliseconds` (monotonic clock). Cancel the returned timer to drop it.
    @discardableResult
    public func after(milliseconds: UInt64, _ handler: @escaping () -> Void) -> OneShotTimer {
        let timer = OneShotTimer(handler)
        let userData = Unmanaged.passRetained(timer).toOpaque()
        timer.timeout = l_timeout_create_ms(max(milliseconds, 1), { _, userData in
            Unmanaged<OneShotTimer>.fromOpaque(userData!).takeUnretainedValue().fire()
        }, userData, { userData in
            Unmanaged<OneShotTimer>.fromOpaque(userData!).release()
        })
        if timer.timeout == nil {
            // ELL could not create a timerfd; run on the next iteration rather than never.
            Unmanaged<OneShotTimer>.fromOpaque(userData).release()
            timer.timeout = nil
            _ = l_idle_oneshot({ userData in
                Unmanaged<OneShotTimer>.fromOpaque(userData!).takeRetainedValue().fire()
            }, Unmanaged.passRetained(timer).toOpaque(), nil)
        }
        return timer
    }

    /// Calls `handler` on the loop thread whenever `signal` arrives. The signal is blocked and
    /// read from a signalfd, so the handler may do anything, unlike a classic signal handler.
    public func onSignal(_ signal: Int32, _ handler: @escaping () -> Void) throws(SystemError) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        guard pthread_sigmask(SIG_BLOCK, &set, nil) == 0 else { throw SystemError.last("pthread_sigmask") }
        let fd = signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard fd >= 0 else { throw SystemError.last("signalfd") }
        signalWatches.append(try watchReadable(fd: fd) {
            var info = signalfd_siginfo()
            var delivered = false
            while withUnsafeMutableBytes(of: &info, { Glibc.read(fd, $0.baseAddress, $0.count) }) == MemoryLayout<signalfd_siginfo>.size {
                delivered = true
            }
            if delivered { handler() }
        })
    }

    /// Runs the loop until `stop()`; SIGINT and SIGTERM are passed to `onTerminate`
    /// (which usually calls `stop()`). Returns the loop's exit status.
    @discardableResult
    public func run(onTerminate: @escaping (Int32) -> Void) -> Int32 {
        let box = Unmanaged.passRetained(SignalBox(onTerminate)).toOpaque()
        defer { Unmanaged<SignalBox>.fromOpaque(box).release() }
        return l_main_run_with_signal({ signo, userData in
            Unmanaged<SignalBox>.fromOpaque(userData!).takeUnretainedValue().handler(Int32(bitPattern: signo))
        }, box)
    }

    /// Makes `run` return after the current handler.
    public func stop() { _ = l_main_quit() }

    /// Runs one iteration of the loop, waiting at most `milliseconds` (-1: until something happens).
    /// For tests that drive the loop step by step.
    public func iterate(timeoutMilliseconds milliseconds: Int32) {
        l_main_iterate(milliseconds)
    }
}

/// A file-descriptor watch; cancel (or drop every reference) to stop it.
public final class FileWatch {
    private var io: OpaquePointer?
    init(io: OpaquePointer) { self.io = io }
    public func cancel() {
        if let io { l_io_destroy(io) }
        io = nil
    }
    deinit { cancel() }
}

/// A one-shot timer. Cancelling after it fired does nothing.
public final class OneShotTimer {
    fileprivate var timeout: OpaquePointer?
    private var handler: (() -> Void)?

    fileprivate init(_ handler: @escaping () -> Void) { self.handler = handler }

    fileprivate func fire() {
        let run = handler
        handler = nil
        if let t = timeout { timeout = nil; l_timeout_remove(t) }
        run?()
    }

    public var isPending: Bool { handler != nil }

    public func cancel() {
        handler = nil
        if let t = timeout { timeout = nil; l_timeout_remove(t) }
    }
}

private final class CallbackBox {
    let call: () -> Void
    init(_ call: @escaping () -> Void) { self.call = call }
}

private final class SignalBox {
    let handler: (Int32) -> Void
    init(_ handler: @escaping (Int32) -> Void) { self.handler = handler }
}
