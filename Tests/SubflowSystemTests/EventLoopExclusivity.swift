import Glibc
import Testing

/// Runs each test it applies to while no test of any other target holds the process's
/// EventLoop. ELL's main loop is process-global (a second `EventLoop()` fails with EBUSY), and
/// every test target is linked into the one test binary, so `.serialized` alone, which orders
/// only the tests of one suite, does not keep the daemon's connection tests out.
///
/// The lock is an exclusive flock(2) on the test binary itself, taken on a descriptor of its
/// own (two open file descriptions conflict even in one process): no file to create or remove,
/// released by the kernel if the process dies. It is polled with LOCK_NB so that a waiting test
/// sleeps its task instead of blocking a thread of the small cooperative pool.
/// SubflowDaemonTests has the same trait on the same lock: the two must stay so (both belong
/// in a shared test-support target once there is one).
struct HoldsTheEventLoop: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    /// Each test case (not the suite around them, which would then wait for itself).
    func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? { testCase == nil ? nil : self }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LockFailure(step: "open /proc/self/exe", errno: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { throw LockFailure(step: "flock", errno: errno) }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await function()
    }

    struct LockFailure: Error, CustomStringConvertible {
        var step: String
        var errno: Int32
        var description: String { "cannot take the EventLoop test lock: \(step): errno \(errno)" }
    }
}

extension Trait where Self == HoldsTheEventLoop {
    /// See `HoldsTheEventLoop`.
    static var holdsTheEventLoop: Self { HoldsTheEventLoop() }
}
