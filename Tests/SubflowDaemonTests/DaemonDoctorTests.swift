import InMemoryLogging
import Logging
import SubflowCore
import SubflowDoctor
import SubflowFormats
import SubflowSimulation
import Testing

@testable import SubflowDaemon

/// subflowd's own doctor (issue 10): when it runs (at start, after network changes once they
/// settle, never two runs at once), what it logs (each finding once when it appears, once when
/// it goes), and what `status` and the metrics show. No root: a scripted runner stands in for
/// the checks, a manual clock for the loop.
@Suite struct DaemonDoctorTests {
    static let disabled = Finding(
        id: "mptcp-disabled", severity: .problem, summary: "MPTCP is disabled in this network namespace.",
        evidence: [.init("net.mptcp.enabled", "0")], fix: "sysctl -w net.mptcp.enabled=1")
    static let stale = Finding(
        id: "stale-out-of-tree-sysctl", severity: .warning, summary: "A sysctl file sets net.mptcp.mptcp_enabled.",
        evidence: [.init("/etc/sysctl.d/90-mptcp.conf:1", "net.mptcp.mptcp_enabled = 1")],
        fix: "remove the line")

    /// A runner whose runs finish `delay` ms after they start, each with the next scripted report.
    final class ScriptedRunner: DoctorRunner {
        let scheduler: ManualScheduler
        var delay: UInt64 = 0
        var next: [Finding] = []
        var skipped: [SkippedCheck] = []
        private(set) var runs = 0
        private(set) var inFlight = 0
        private(set) var mostInFlight = 0
        init(_ scheduler: ManualScheduler) { self.scheduler = scheduler }

        func run(_ done: @escaping (DoctorReport, UInt64) -> Void) {
            runs += 1
            inFlight += 1
            mostInFlight = max(mostInFlight, inFlight)
            var report = DoctorReport()
            report.checks = ["kernel"]
            report.findings = next
            report.skipped = skipped
            let delay = delay
            _ = scheduler.schedule(afterMilliseconds: delay) { [self] in
                inFlight -= 1
                done(report, delay)
            }
        }
    }

    final class Fixture {
        let scheduler = ManualScheduler(startMilliseconds: 1_000_000)
        let runner: ScriptedRunner
        let log = InMemoryLogHandler()
        let doctor: DaemonDoctor
        var reported: [[Finding]] = []

        init() {
            runner = ScriptedRunner(scheduler)
            let log = self.log
            doctor = DaemonDoctor(
                scheduler: scheduler, runner: runner, logger: Logger(label: "test") { _ in log },
                periodMilliseconds: 60_000)
            doctor.onReport = { [unowned self] findings, _ in self.reported.append(findings) }
        }

        func lines(_ level: Logger.Level) -> [String] {
            log.entries.filter { $0.level == level }.map { "\($0.message)" }
        }
        func advance(_ milliseconds: UInt64) { scheduler.advance(byMilliseconds: milliseconds) }

        /// A doctor started, its runs taking `delay` ms, with the first run begun.
        static func started(delay: UInt64 = 0) -> Fixture {
            let f = Fixture()
            f.runner.delay = delay
            f.doctor.start()
            f.advance(0)
            return f
        }
    }

    @Test func theFirstRunWaitsForStartAndRunsAtOnce() {
        let f = Fixture()
        f.doctor.networkChanged()  // the initial dump, before start-up is over
        f.advance(5000)
        #expect(f.runner.runs == 0, "no run before start()")
        f.runner.next = [Self.disabled]
        f.doctor.start()
        f.advance(0)
        #expect(f.runner.runs == 1)
        #expect(
            f.lines(.warning)
                == [
                    "doctor: mptcp-disabled: MPTCP is disabled in this network namespace. (fix: sysctl -w net.mptcp.enabled=1)"
                ])
        #expect(f.doctor.current == [Self.disabled])
        #expect(f.reported == [[Self.disabled]])
    }

    @Test func aFindingIsLoggedOnceWhileItStaysAndOnceWhenItGoes() {
        let f = Fixture()
        f.runner.next = [Self.disabled]
        f.doctor.start()
        f.advance(0)
        for _ in 0..<3 {
            f.doctor.networkChanged()
            f.advance(2000)
        }
        #expect(f.runner.runs == 4)
        #expect(f.lines(.warning).count == 1, "\(f.lines(.warning))")
        f.runner.next = [Self.stale]
        f.doctor.networkChanged()
        f.advance(2000)
        #expect(f.lines(.warning).count == 2 && f.lines(.warning)[1].hasPrefix("doctor: stale-out-of-tree-sysctl: "))
        #expect(
            f.lines(.notice)
                == ["doctor: mptcp-disabled: no longer found (it was: MPTCP is disabled in this network namespace.)"])
        #expect(f.doctor.current == [Self.stale])
    }

    @Test func changesAreDebouncedUntilTheySettle() {
        let f = Fixture.started()
        #expect(f.runner.runs == 1)
        // A burst: one change every 300 ms for 2.1 s: nothing runs until 1 s after the last.
        for _ in 0..<8 {
            f.doctor.networkChanged()
            f.advance(300)
        }
        #expect(f.runner.runs == 1)
        f.advance(699)
        #expect(f.runner.runs == 1)
        f.advance(1)
        #expect(f.runner.runs == 2)
    }

    @Test func aChangeStormStillRunsWithinTheLongestWaitAndAtMostOncePerSettleTime() {
        let f = Fixture.started()
        // A change every 100 ms for 30 s never settles; the checks still run every 10 s.
        for _ in 0..<300 {
            f.doctor.networkChanged()
            f.advance(100)
        }
        #expect(f.runner.runs == 1 + 3, "\(f.runner.runs)")
    }

    @Test func runsNeverOverlapAndAChangeDuringARunRunsAfterIt() {
        let f = Fixture.started(delay: 5000)
        f.advance(100)
        f.doctor.networkChanged()
        f.advance(2000)
        #expect(f.runner.runs == 1, "the first run is still in flight")
        f.advance(2900)  // the first run ends at 5000; the change is due since 1100
        #expect(f.runner.runs == 2)
        f.advance(20_000)
        #expect(f.runner.mostInFlight == 1)
        #expect(f.runner.runs == 2, "nothing pending: no third run before the periodic one")
    }

    @Test func theChecksRunAgainPeriodicallyForWhatSendsNoEvent() {
        let f = Fixture.started()
        f.runner.next = [Self.disabled]  // e.g. someone wrote net.mptcp.enabled=0
        f.advance(59_999)
        #expect(f.runner.runs == 1)
        f.advance(1)
        #expect(f.runner.runs == 2)
        #expect(f.lines(.warning).count == 1)
    }

    @Test func aStoppedDoctorRunsNoMore() {
        let f = Fixture.started(delay: 100)
        f.doctor.stop()
        f.advance(100)
        f.doctor.networkChanged()
        f.advance(120_000)
        #expect(f.runner.runs == 1)
        #expect(f.reported.isEmpty, "a run that ends after stop() is dropped")
    }

    @Test func informationIsLoggedAtInfoAndSkippedChecksOnce() {
        let f = Fixture()
        let module = Finding(id: "no-mptcp-module", severity: .info, summary: "MPTCP is built in.", evidence: [])
        f.runner.next = [module]
        f.runner.skipped = [SkippedCheck(check: "firewall", reason: "nft is not installed")]
        f.doctor.start()
        f.advance(0)
        f.doctor.networkChanged()
        f.advance(2000)
        #expect(f.lines(.warning).isEmpty)
        #expect(
            f.lines(.info)
                == [
                    "doctor: no-mptcp-module: MPTCP is built in.",
                    "doctor: check firewall skipped: nft is not installed",
                ])
    }

    @Test func theScheduleTakesPendingChangesOnlyWhenDue() {
        var schedule = DoctorSchedule(settleMilliseconds: 1000, longestWaitMilliseconds: 10_000)
        func start(at now: UInt64) -> Bool { schedule.startIfDue(at: now) }
        #expect(schedule.dueAt == nil)
        #expect(!start(at: 0))
        schedule.changed(at: 100)
        schedule.changed(at: 600)
        #expect(schedule.dueAt == 1600)
        #expect(!start(at: 1599))
        #expect(start(at: 1600))
        schedule.requestNow(at: 1700)
        #expect(!start(at: 1700), "one run at a time")
        schedule.finished()
        #expect(start(at: 1700))
    }

    @Test func twoChecksReportingOneFindingLogItOnce() {
        var changes = FindingChanges()
        var report = DoctorReport()
        report.findings = [Self.disabled, Self.disabled]
        #expect(changes.apply(report).appeared == [Self.disabled])
        var changedEvidence = Self.disabled
        changedEvidence.evidence = [.init("net.mptcp.enabled", "2")]
        report.findings = [changedEvidence]
        let update = changes.apply(report)
        #expect(update.appeared.isEmpty && update.gone.isEmpty, "same id and namespace: the same finding")
        #expect(changes.current == [changedEvidence], "status shows the latest evidence")
    }

    // MARK: status and metrics

    @Test func statusCarriesTheFindingsAsDoctorPrintsThem() throws {
        let state = ControlRequestsTests.state()
        #expect(StatusReport.json(state)["findings"] == .array([]))
        state.findings = [Self.disabled]
        let findings = try #require(StatusReport.json(state)["findings"]?.arrayValue)
        #expect(findings == [Self.disabled.json])
        #expect(findings[0]["evidence"]?.arrayValue?.first?["value"] == .string("0"))
    }

    @Test func metricsCountTheFindingsBySeverity() {
        let state = ControlRequestsTests.state()
        let clean = MetricsReport.text(state)
        #expect(clean.contains("subflowd_doctor_findings{severity=\"problem\"} 0"))
        #expect(!clean.contains("subflowd_doctor_check_seconds"), "no run yet: no duration")
        state.findings = [Self.disabled, Self.stale]
        state.doctorMicroseconds = 3000
        let text = MetricsReport.text(state)
        for line in [
            "# TYPE subflowd_doctor_findings gauge", "subflowd_doctor_findings{severity=\"problem\"} 1",
            "subflowd_doctor_findings{severity=\"warning\"} 1", "subflowd_doctor_findings{severity=\"info\"} 0",
            "subflowd_doctor_check_seconds 0.003",
        ] {
            #expect(text.contains(line), "missing \(line) in\n\(text)")
        }
    }
}

extension DaemonDoctorTests {
    @Test func whatTheHostHoldsReachesTheLogEscaped() {
        let hostile = Finding(
            id: "stale-out-of-tree-sysctl", severity: .warning, summary: "line\n\u{1B}[2Jnet.mptcp.mptcp_enabled",
            evidence: [], fix: "sed -i '/x/d' /etc/sysctl.d/a\tb.conf")
        #expect(
            DaemonDoctor.line(hostile)
                == "doctor: stale-out-of-tree-sysctl: line\\n\\x1B[2Jnet.mptcp.mptcp_enabled (fix: sed -i '/x/d' /etc/sysctl.d/a\\tb.conf)"
        )
    }
}
