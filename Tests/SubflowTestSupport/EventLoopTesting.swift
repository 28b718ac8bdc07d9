import Glibc
import SubflowSystem
import Testing

/// Runs each test it applies to while no test of any other target holds the process's
/// EventLoop. ELL's main loop is process-global (a second `EventLoop()` fails with EBUSY), and
/// every test target is linked into the one test binary, so `.serialized` alone, which orders
/// only the tests of one suite, does not keep the loop tests of two targets apart (the
/// SubflowSystemTests and SubflowDaemonTests suites that make loops both carry this trait).
///
/// The lock is an exclusive flock(2) on the test binary itself, taken on a descriptor of its
/// own (two open file descriptions conflict even in one process): no file to create or remove,
/// released by the kernel if the process dies. It is polled with LOCK_NB so that a waiting test
/// sleeps its task instead of blocking a thread of the small cooperative pool.
public struct HoldsTheEventLoop: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// Each test case (not the suite around them, which would then wait for itself).
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? { testCase == nil ? nil : self }

    public func provideScope(
        for test: Test, testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LockFailure(step: "open /proc/self/exe", errno: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { throw LockFailure(step: "flock", errno: errno) }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await function()
    }

    public struct LockFailure: Error, CustomStringConvertible {
        public var step: String
        public var errno: Int32
        public var description: String { "cannot take the EventLoop test lock: \(step): errno \(errno)" }
    }
}

extension Trait where Self == HoldsTheEventLoop {
    /// See `HoldsTheEventLoop`.
    public static var holdsTheEventLoop: Self { HoldsTheEventLoop() }
}

/// Turns the loop until `done()` holds or `seconds` pass (a generous deadline, so a loaded
/// machine only makes the test slower, never wrong). Returns whether `done()` held.
@discardableResult
public func turn(_ loop: EventLoop, until done: () -> Bool, seconds: UInt64 = 60) -> Bool {
    let deadline = MonotonicClock.nowMilliseconds + seconds * 1000
    while !done() {
        if MonotonicClock.nowMilliseconds > deadline { return false }
        loop.iterate(timeoutMilliseconds: 50)
    }
    return true
}
