import Glibc
import Synchronization

/// The mocking seam of `Syscalls.swift` (swift-system's MockingDriver idea): a test makes the
/// next calls of one kind fail with errnos it chooses, without a kernel that misbehaves on
/// cue. Failures are planned per task (a task-local plan), so tests that run in parallel never
/// see each other's faults, and the daemon never sees any.
///
/// Left in every build because it costs one relaxed atomic load per call while no plan is
/// active anywhere in the process; the task-local lookup happens only while one is.
enum SyscallFaults {
    @TaskLocal static var plan: FaultPlan?
    private static let activePlans = Atomic<Int>(0)

    /// Runs `body` with `plan`'s failures injected into the calls this task makes.
    static func inject<R>(_ plan: FaultPlan, _ body: () throws -> R) rethrows -> R {
        activePlans.add(1, ordering: .relaxed)
        defer { activePlans.subtract(1, ordering: .relaxed) }
        return try $plan.withValue(plan, operation: body)
    }

    /// True when the plan says this call fails now; errno is then set as the kernel would.
    @inline(__always)
    static func fails(_ call: Syscall) -> Bool {
        guard activePlans.load(ordering: .relaxed) > 0, let plan, let error = plan.take(call) else { return false }
        Glibc.errno = error.rawValue
        return true
    }
}

/// The calls the seam can make fail (one per wrapper of `Syscalls.swift`).
enum Syscall: Hashable, Sendable, CaseIterable {
    case read, pread, write, recv, recvfrom, send, sendto, accept, open, openat, fstat, fstatat
    case socket, bind, connect, listen, setsockopt, getsockopt, getsockname, getpeername, shutdown
    case fcntl, ioctl, poll, epollCreate, epollControl, epollWait, timerfdCreate, timerfdSetTime
    case signalfd, setns, fchmod, chown, chmod, unlink, mkdir, rename, renameat, readlink, readlinkat
    case stat, lstat, nanosleep
}

/// The failures to inject: for each call, the errnos its next invocations return, in order;
/// once they are used up the call reaches the kernel again.
final class FaultPlan: Sendable {
    private let pending: Mutex<[Syscall: [Errno]]>

    init(_ failures: [Syscall: [Errno]]) { pending = Mutex(failures) }

    func take(_ call: Syscall) -> Errno? {
        pending.withLock { pending in
            guard var queue = pending[call], !queue.isEmpty else { return nil }
            let next = queue.removeFirst()
            pending[call] = queue
            return next
        }
    }

    /// Failures planned for `call` that no invocation has taken yet.
    func remaining(_ call: Syscall) -> Int { pending.withLock { $0[call]?.count ?? 0 } }
}
