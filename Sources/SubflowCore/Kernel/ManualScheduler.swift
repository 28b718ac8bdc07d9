import SubflowPolicy

/// A Scheduler whose clock only moves when told to: for tests and for replay, where time is
/// the recording's and nothing may depend on the wall clock.
public final class ManualScheduler: Scheduler {
    public private(set) var nowMilliseconds: UInt64
    private var tasks: [Task] = []
    private var nextOrder = 0

    public init(startMilliseconds: UInt64 = 0) { nowMilliseconds = startMilliseconds }

    public func schedule(afterMilliseconds milliseconds: UInt64, _ action: @escaping () -> Void) -> any ScheduledTask {
        nextOrder += 1
        let task = Task(due: nowMilliseconds + milliseconds, order: nextOrder, action: action)
        tasks.append(task)
        return task
    }

    /// Runs every task due at or before `now + milliseconds`, in due order (ties: the order
    /// they were scheduled), moving the clock to each task's time, then to the target.
    public func advance(byMilliseconds milliseconds: UInt64) {
        advance(to: nowMilliseconds + milliseconds)
    }

    public func advance(to target: UInt64) {
        while true {
            tasks.removeAll { $0.cancelled }
            guard let next = tasks.filter({ $0.due <= target }).min(by: { ($0.due, $0.order) < ($1.due, $1.order) }) else { break }
            tasks.removeAll { $0 === next }
            nowMilliseconds = max(nowMilliseconds, next.due)
            next.run()
        }
        nowMilliseconds = max(nowMilliseconds, target)
    }

    /// Runs what is due now (zero-delay tasks such as kernel replies).
    public func runDue() { advance(byMilliseconds: 0) }

    public var pendingCount: Int { tasks.filter { !$0.cancelled }.count }

    private final class Task: ScheduledTask {
        let due: UInt64
        let order: Int
        private var action: (() -> Void)?
        var cancelled: Bool { action == nil }
        init(due: UInt64, order: Int, action: @escaping () -> Void) { self.due = due; self.order = order; self.action = action }
        func cancel() { action = nil }
        func run() { let a = action; action = nil; a?() }
    }
}
