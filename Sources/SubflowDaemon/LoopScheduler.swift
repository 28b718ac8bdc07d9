import SubflowCore
import SubflowPolicy
import SubflowSystem

/// The core's Scheduler on the live ELL loop: CLOCK_MONOTONIC, timerfd-backed timers.
final class LoopScheduler: Scheduler {
    let loop: EventLoop
    init(loop: EventLoop) { self.loop = loop }

    var nowMilliseconds: UInt64 { MonotonicClock.nowMilliseconds }

    func schedule(afterMilliseconds milliseconds: UInt64, _ action: @escaping () -> Void) -> any ScheduledTask {
        LoopTask(loop.after(milliseconds: milliseconds, action))
    }
}

private final class LoopTask: ScheduledTask {
    let timer: OneShotTimer
    init(_ timer: OneShotTimer) { self.timer = timer }
    func cancel() { timer.cancel() }
}
