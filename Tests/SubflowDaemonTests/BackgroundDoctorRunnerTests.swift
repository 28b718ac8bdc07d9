import Glibc
import SubflowDoctor
import SubflowSystem
import Synchronization
import Testing

@testable import SubflowDaemon
@testable import SubflowTestSupport

/// The daemon's doctor checks run off the event loop (issue 10): a check that takes long
/// (netlink dumps, /proc of every process, `nft`) must not stall kernel events, the control
/// socket or the watchdog. Here a check blocks until the loop has fired its timer five times
/// while the check was running: on the loop thread it would wait for itself and give up.
extension DaemonLoopTests {
    final class Ticks: Sendable {
        let count = Atomic<Int>(0)
    }

    /// Waits (up to 10 s) for the loop to tick five times, and says whether it did.
    struct WaitsForTheLoop: DoctorCheck {
        let name = "waits-for-the-loop"
        let ticks: Ticks
        func run(on host: HostView) -> CheckOutcome {
            let deadline = MonotonicClock.nowMilliseconds + 10_000
            while ticks.count.load(ordering: .relaxed) < 5 {
                guard MonotonicClock.nowMilliseconds < deadline else {
                    return .findings([host.finding("loop-stalled", .problem, "the loop did not turn", evidence: [])])
                }
                usleep(1000)
            }
            return .findings([host.finding("loop-kept-turning", .info, "the loop turned", evidence: [])])
        }
    }

    @Test func aSlowCheckDoesNotStallTheLoop() throws {
        let loop = try EventLoop()
        let scheduler = LoopScheduler(loop: loop)
        let ticks = Ticks()
        var timer: OneShotTimer?
        func tick() {
            ticks.count.add(1, ordering: .relaxed)
            timer = loop.after(milliseconds: 5, tick)
        }
        tick()
        let runner = BackgroundDoctorRunner(scheduler: scheduler, checks: [WaitsForTheLoop(ticks: ticks)])
        var report: DoctorReport?
        runner.run { done, _ in report = done }
        #expect(turn(loop, until: { report != nil }))
        timer?.cancel()
        #expect(report?.findings.map(\.id) == ["loop-kept-turning"])
        #expect(report?.checks == ["waits-for-the-loop"])
    }
}
