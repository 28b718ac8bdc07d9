import SubflowCore
import SubflowDoctor
import SubflowSystem
import Synchronization

/// Runs the doctor's static checks and hands the report back on the loop thread.
protocol DoctorRunner {
    /// Starts one run; `done` is called later on the loop thread with the report and how
    /// long the checks took (microseconds). Never called twice at once by `DaemonDoctor`.
    func run(_ done: @escaping (DoctorReport, UInt64) -> Void)
}

/// The live runner: the checks run OFF the loop thread, and the loop polls for the result.
///
/// Why off the loop: today's only registered check (kernel) reads two sysctls and takes well
/// under a millisecond, but the registry grows (Sources/SubflowDoctor/DoctorChecks.swift) with
/// checks that walk /proc/PID/fd of every process (listeners of mptcp_pm_events), dump routes
/// and endpoints over netlink, or run `nft -j list ruleset` and `iptables-save`: doctor's own
/// bound for all of that is a second on a host with 10,000 sockets, and a child process can
/// hang. Whatever the registry holds, the loop must not stall behind it: kernel events, the
/// control socket and the systemd watchdog keep being served while the checks run.
///
/// The checks run on a thread of their own (DetachedThread: not Swift's cooperative pool, where
/// a blocking check could wait behind other blocked work; every signal blocked, so SIGTERM
/// still reaches the loop's signalfd) in subflowd's own network namespace
/// (the daemon never changes a thread's namespace). They only read the host and share nothing
/// with the loop: the checks and the report are Sendable values. The loop looks for the result
/// every `pollMilliseconds` while a run is in flight, and not at all otherwise: one timer,
/// no descriptor, no interop outside SubflowSystem.
final class BackgroundDoctorRunner: DoctorRunner {
    private let scheduler: any Scheduler
    private let checks: [any DoctorCheck]
    private let pollMilliseconds: UInt64

    init(scheduler: any Scheduler, checks: [any DoctorCheck] = Doctor.staticChecks, pollMilliseconds: UInt64 = 20) {
        self.scheduler = scheduler
        self.checks = checks
        self.pollMilliseconds = pollMilliseconds
    }

    func run(_ done: @escaping (DoctorReport, UInt64) -> Void) {
        let box = ResultBox()
        let checks = checks
        do {
            try DetachedThread.start {
                let started = MonotonicClock.nowMicroseconds
                var report = DoctorReport()
                Doctor.run(checks, namespace: nil, into: &report)
                box.put(report, MonotonicClock.nowMicroseconds - started)
            }
        } catch {
            var report = DoctorReport()
            report.skipped = [SkippedCheck(check: "doctor", reason: "cannot start the checks' thread: \(error)")]
            box.put(report, 0)
        }
        wait(for: box, done)
    }

    private func wait(for box: ResultBox, _ done: @escaping (DoctorReport, UInt64) -> Void) {
        _ = scheduler.schedule(afterMilliseconds: pollMilliseconds) { [weak self] in
            guard let self else { return }
            if let (report, elapsed) = box.take() { return done(report, elapsed) }
            self.wait(for: box, done)
        }
    }
}

/// Where the background run leaves its report for the loop.
private final class ResultBox: Sendable {
    private let value = Mutex<(DoctorReport, UInt64)?>(nil)
    func put(_ report: DoctorReport, _ elapsed: UInt64) { value.withLock { $0 = (report, elapsed) } }
    func take() -> (DoctorReport, UInt64)? {
        value.withLock { slot in
            let taken = slot
            slot = nil
            return taken
        }
    }
}
