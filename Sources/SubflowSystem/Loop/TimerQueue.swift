import CELL
import Glibc
import HeapModule

/// Every one-shot timer of the loop, in one binary heap ordered by deadline, behind ONE
/// timerfd armed for the earliest deadline.
///
/// Why not ELL's `l_timeout`: each of those is a timerfd of its own, and ELL 0.56 watches only
/// descriptors 0–127, so about 115 pending timers exhausted it; the old fallback then ran
/// timers at once (15 s join timeouts fired after 1 ms). Here a timer costs no descriptor and
/// scheduling or cancelling is O(log n) (cancel marks the timer dead; the heap drops it when it
/// reaches the top, or in a compaction once dead entries dominate).
final class TimerQueue {
    /// At most this many timers fire per loop turn, so a flood of due timers cannot starve
    /// I/O; the rest fire on the following turns, still in deadline order.
    static let firesPerTurn = 1024

    let fd: Descriptor
    private var heap = Heap<Entry>()
    /// The deadline the timerfd is armed for (CLOCK_MONOTONIC µs), nil when disarmed.
    private var armedDeadline: UInt64?
    private var nextSequence: UInt64 = 0
    private var deadEntries = 0
    /// Timers scheduled and neither fired nor cancelled.
    private(set) var pendingCount = 0

    init() throws(SystemError) {
        fd = try descriptorOrErrno(system_timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))).orThrow(
            "timerfd_create")
    }

    deinit { fd.close() }

    /// Queues `timer` to fire `milliseconds` from now; it never fires earlier.
    func schedule(_ timer: OneShotTimer, afterMilliseconds milliseconds: UInt64) {
        let (delay, overflow) = milliseconds.multipliedReportingOverflow(by: 1000)
        let deadline =
            overflow ? UInt64.max : MonotonicClock.nowMicroseconds.addingReportingOverflow(delay).partialValue
        heap.insert(Entry(deadline: deadline, sequence: nextSequence, timer: timer))
        nextSequence += 1
        pendingCount += 1
        timer.queue = self
        if armedDeadline.map({ deadline < $0 }) ?? true { arm(deadline) }
    }

    /// Called by a pending timer's `cancel`; its heap entry is dropped lazily.
    func cancelled() {
        pendingCount -= 1
        deadEntries += 1
        // Rebuilding is O(n), paid at most once per n/2 cancels: amortised O(1), and memory
        // stays proportional to the live timers even when most timers are cancelled.
        if deadEntries > 1024, deadEntries > heap.count / 2 {
            heap = Heap(heap.unordered.filter { $0.timer.isPending })
            deadEntries = 0
        }
    }

    /// The timerfd expired: fires the due timers in deadline order (at most `firesPerTurn`),
    /// then arms the timerfd for the next live deadline.
    func fireDue() {
        var expirations: UInt64 = 0
        _ = retryingOnInterrupt { system_read(fd, &expirations, MemoryLayout<UInt64>.size) }  // EAGAIN: nothing new, fine
        armedDeadline = nil
        let now = MonotonicClock.nowMicroseconds
        // Timers a handler schedules now wait for the next turn, even with a 0 ms delay.
        let turn = nextSequence
        var fired = 0
        while fired < Self.firesPerTurn, let first = heap.min, first.deadline <= now, first.sequence < turn {
            heap.removeMin()
            guard first.timer.isPending else { deadEntries -= 1; continue }
            pendingCount -= 1
            fired += 1
            first.timer.fire()
        }
        while let first = heap.min, !first.timer.isPending {
            heap.removeMin()
            deadEntries -= 1
        }
        if let next = heap.min, armedDeadline.map({ next.deadline < $0 }) ?? true { arm(next.deadline) }
    }

    /// Arms the timerfd at the absolute CLOCK_MONOTONIC time `deadline` (µs); one already past
    /// expires at once.
    private func arm(_ deadline: UInt64) {
        var spec = itimerspec()
        let seconds = min(deadline / 1_000_000, UInt64(Int.max))
        spec.it_value.tv_sec = Int(seconds)
        spec.it_value.tv_nsec = Int(deadline % 1_000_000) * 1000
        // Only EINVAL (a malformed value) can fail here, and the value is built above.
        let rc = system_timerfd_settime(fd, Int32(TFD_TIMER_ABSTIME), &spec)
        precondition(rc == 0, "timerfd_settime: \(Errno.current)")
        armedDeadline = deadline
    }

    private struct Entry: Comparable {
        let deadline: UInt64
        /// Ties on the deadline fire in the order the timers were scheduled.
        let sequence: UInt64
        let timer: OneShotTimer

        static func < (a: Entry, b: Entry) -> Bool { (a.deadline, a.sequence) < (b.deadline, b.sequence) }
        static func == (a: Entry, b: Entry) -> Bool { a.sequence == b.sequence }
    }
}

/// A one-shot timer. Cancelling after it fired, or twice, does nothing.
public final class OneShotTimer {
    private var handler: (() -> Void)?
    fileprivate weak var queue: TimerQueue?

    init(_ handler: @escaping () -> Void) { self.handler = handler }

    public var isPending: Bool { handler != nil }

    public func cancel() {
        guard handler != nil else { return }
        handler = nil
        queue?.cancelled()
    }

    fileprivate func fire() {
        let run = handler
        handler = nil
        run?()
    }
}
