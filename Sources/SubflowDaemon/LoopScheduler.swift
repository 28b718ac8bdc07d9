import SubflowConfiguration
import SubflowCore
import SubflowPolicy
import SubflowSystem

/// The core's Scheduler on the live loop: CLOCK_MONOTONIC, heap timers behind one timerfd (no descriptor per timer).
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
