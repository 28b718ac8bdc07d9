import HeapModule
import SubflowCore
import SubflowPolicy

/// A Scheduler whose clock only moves when told to: for tests and for replay, where time is
/// the recording's and nothing may depend on the wall clock. Timers live in a binary heap
/// (due time, then scheduling order), so a replay with many pending timers stays fast;
/// cancelled timers are dropped when they reach the top.
public final class ManualScheduler: Scheduler {
    public private(set) var nowMilliseconds: UInt64
    private var heap = Heap<Entry>()
    private var nextOrder = 0
    private var live = 0

    public init(startMilliseconds: UInt64 = 0) { nowMilliseconds = startMilliseconds }

    public func schedule(afterMilliseconds milliseconds: UInt64, _ action: @escaping () -> Void) -> any ScheduledTask {
        nextOrder += 1
        let task = Task(action: action, scheduler: self)
        heap.insert(Entry(due: nowMilliseconds + milliseconds, order: nextOrder, task: task))
        live += 1
        return task
    }

    /// Runs every task due at or before `now + milliseconds`, in due order (ties: the order
    /// they were scheduled), moving the clock to each task's time, then to the target.
    public func advance(byMilliseconds milliseconds: UInt64) {
        advance(to: nowMilliseconds + milliseconds)
    }

    public func advance(to target: UInt64) {
        while let next = heap.min, next.due <= target {
            heap.removeMin()
            guard !next.task.cancelled else { continue }
            nowMilliseconds = max(nowMilliseconds, next.due)
            next.task.run()
        }
        nowMilliseconds = max(nowMilliseconds, target)
    }

    /// Runs what is due now (zero-delay tasks such as kernel replies).
    public func runDue() { advance(byMilliseconds: 0) }

    /// Tasks scheduled and neither run nor cancelled.
    public var pendingCount: Int { live }

    fileprivate func finished() { live -= 1 }

    private struct Entry: Comparable {
        let due: UInt64
        let order: Int
        let task: Task
        static func < (a: Entry, b: Entry) -> Bool { (a.due, a.order) < (b.due, b.order) }
        static func == (a: Entry, b: Entry) -> Bool { a.due == b.due && a.order == b.order }
    }

    private final class Task: ScheduledTask {
        private var action: (() -> Void)?
        private weak var scheduler: ManualScheduler?
        var cancelled: Bool { action == nil }
        init(action: @escaping () -> Void, scheduler: ManualScheduler) {
            self.action = action; self.scheduler = scheduler
        }
        func cancel() {
            guard action != nil else { return }
            action = nil
            scheduler?.finished()
        }
        func run() {
            let a = action
            action = nil
            scheduler?.finished()
            a?()
        }
    }
}
