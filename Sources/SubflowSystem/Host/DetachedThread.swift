import Glibc

/// Work that must not wait for Swift's cooperative thread pool nor hold up the event loop: a
/// new detached OS thread per call. The daemon's doctor checks run here; with a pool of one
/// thread per core, a task doing blocking reads (netlink dumps, /proc, a child process) could
/// wait behind other blocked tasks for as long as they block (seen in the test suite, where
/// every test holds a pool thread).
public enum DetachedThread {
    private final class Work: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Starts `body` on a new thread, which ends when `body` returns. Every signal is blocked
    /// in that thread, so SIGTERM, SIGINT and SIGHUP keep reaching the loop's signalfd.
    public static func start(_ body: @escaping @Sendable () -> Void) throws(SystemError) {
        let work = Unmanaged.passRetained(Work(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        // The new thread inherits the creating thread's mask: block everything around the
        // create, then restore the caller's.
        var all = sigset_t()
        var previous = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_SETMASK, &all, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        var thread = pthread_t()
        let result = pthread_create(
            &thread, &attributes,
            { raw in
                let work = Unmanaged<Work>.fromOpaque(raw!).takeRetainedValue()
                work.body()
                return nil
            }, work)
        guard result == 0 else {
            Unmanaged<Work>.fromOpaque(work).release()
            throw SystemError(operation: "pthread_create", errno: Errno(rawValue: result))
        }
    }
}
