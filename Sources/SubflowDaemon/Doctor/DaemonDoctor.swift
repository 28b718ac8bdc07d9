import Logging
import SubflowCore
import SubflowDoctor
import SubflowFormats
import SubflowPolicy

/// subflowd's own doctor: the static checks of `subflowctl doctor` (SubflowDoctor), run when
/// the daemon is ready, after network changes that can cause or clear a finding (debounced,
/// `DoctorSchedule`), and every `periodMilliseconds` for what sends no event (a sysctl
/// written, a second path manager started). Each finding is logged once when it appears
/// (`doctor: ID: SUMMARY (fix: COMMAND)`, at warning level; information at info level) and
/// once when it goes (notice); `subflowctl status` and the metrics show the current ones.
///
/// The checks run in subflowd's namespace, where subflowd itself subscribes to
/// mptcp_pm_events: a check that counts subscribers sees subflowd among them, as it should
/// (no-userspace-daemon cannot fire here; two-path-managers fires when someone else joins).
final class DaemonDoctor {
    private let scheduler: any Scheduler
    private let runner: any DoctorRunner
    private let logger: Logger
    private let periodMilliseconds: UInt64
    private var schedule: DoctorSchedule
    private var changes = FindingChanges()
    private var wakeUp: (any ScheduledTask)?
    private var periodic: (any ScheduledTask)?
    private var started = false
    private var stopped = false
    /// Called on the loop thread after every run with the findings now current.
    var onReport: ([Finding], _ microseconds: UInt64) -> Void = { _, _ in }

    /// Findings of the latest run.
    var current: [Finding] { changes.current }

    init(
        scheduler: any Scheduler, runner: any DoctorRunner, logger: Logger, schedule: DoctorSchedule = DoctorSchedule(),
        periodMilliseconds: UInt64 = 60_000
    ) {
        self.scheduler = scheduler
        self.runner = runner
        self.logger = logger
        self.schedule = schedule
        self.periodMilliseconds = max(periodMilliseconds, 1)
    }

    /// The first run, once start-up is over (the namespace switched, the network read).
    /// Changes seen before are covered by it.
    func start() {
        guard !started, !stopped else { return }
        started = true
        schedule.requestNow(at: scheduler.nowMilliseconds)
        arm()
    }

    /// An interface or address came, went or changed.
    func networkChanged() {
        guard started, !stopped else { return }
        schedule.changed(at: scheduler.nowMilliseconds)
        arm()
    }

    func stop() {
        stopped = true
        wakeUp?.cancel()
        periodic?.cancel()
    }

    /// Sets the one wake-up timer for when the pending run is due.
    private func arm() {
        wakeUp?.cancel()
        wakeUp = nil
        guard !schedule.running, let due = schedule.dueAt else { return }
        let now = scheduler.nowMilliseconds
        wakeUp = scheduler.schedule(afterMilliseconds: due > now ? due - now : 0) { [weak self] in
            self?.runIfDue()
        }
    }

    private func runIfDue() {
        guard !stopped, schedule.startIfDue(at: scheduler.nowMilliseconds) else { return arm() }
        runner.run { [weak self] report, microseconds in self?.finished(report, microseconds) }
    }

    private func finished(_ report: DoctorReport, _ microseconds: UInt64) {
        schedule.finished()
        guard !stopped else { return }
        logger.debug(
            "doctor: \(report.checks.count) check(s) in \(microseconds) µs, \(report.findings.count) finding(s)")
        let update = changes.apply(report)
        for finding in update.appeared {
            let line = Logger.Message(stringLiteral: Self.line(finding))
            if finding.severity == .info { logger.info(line) } else { logger.warning(line) }
        }
        for finding in update.gone {
            logger.notice("\(Self.quoted("doctor: \(finding.id): no longer found (it was: \(finding.summary))"))")
        }
        for skip in update.newlySkipped {
            logger.info("\(Self.quoted("doctor: check \(skip.check) skipped: \(skip.reason)"))")
        }
        onReport(changes.current, microseconds)
        periodic?.cancel()
        periodic = scheduler.schedule(afterMilliseconds: periodMilliseconds) { [weak self] in
            guard let self, !self.stopped else { return }
            self.schedule.requestNow(at: self.scheduler.nowMilliseconds)
            self.arm()
        }
        arm()
    }

    /// The log line of a new finding: `doctor: ID: SUMMARY (fix: COMMAND)`.
    static func line(_ finding: Finding) -> String {
        let place = finding.namespace.map { " [netns \($0)]" } ?? ""
        return quoted("doctor: \(finding.id)\(place): \(finding.summary)" + (finding.fix.map { " (fix: \($0))" } ?? ""))
    }

    /// Findings carry what the host holds (file lines, interface names, rules): escaped for
    /// the journal, and cut well beyond any sentence a check writes.
    private static func quoted(_ line: String) -> String { InputExcerpt.of(line, limit: 2000) }
}
