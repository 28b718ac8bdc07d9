import Logging
import SubflowCore
import SubflowSimulation
import Testing

@testable import SubflowDaemon
@testable import SubflowTestSupport

/// The systemd watchdog is fed only while the kernel link answers its probe in time and its
/// sockets are watched (issue 8, defect 1): a deaf daemon is restarted, not kept.
@Suite struct LinkWatchdogTests {
    /// A link double: answers each probe after `delay` ms, or never when nil.
    final class FakeLink {
        let scheduler: ManualScheduler
        var delay: UInt64? = 5
        var watched = true
        var probes = 0
        init(_ scheduler: ManualScheduler) { self.scheduler = scheduler }
        func probe(_ answered: @escaping () -> Void) {
            probes += 1
            guard let delay else { return }
            _ = scheduler.schedule(afterMilliseconds: delay, answered)
        }
    }

    static func make(interval: UInt64 = 1000) -> (ManualScheduler, FakeLink, LinkWatchdog, () -> Int) {
        let scheduler = ManualScheduler()
        let link = FakeLink(scheduler)
        var fed = 0
        var logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        let watchdog = LinkWatchdog(
            scheduler: scheduler, logger: logger, intervalMilliseconds: interval,
            probe: { link.probe($0) }, isWatched: { link.watched }, feed: { fed += 1 })
        return (scheduler, link, watchdog, { fed })
    }

    @Test func feedsWhileTheLinkAnswers() {
        let (scheduler, link, watchdog, fed) = Self.make()
        watchdog.start()
        scheduler.advance(byMilliseconds: 5000)
        #expect(fed() == 5 && link.probes == 6)
        #expect(watchdog.withheldBecause == nil)
    }

    @Test func stopsFeedingWhenTheProbeIsNotAnswered() {
        let (scheduler, link, watchdog, fed) = Self.make()
        watchdog.start()
        scheduler.advance(byMilliseconds: 2000)
        #expect(fed() == 2)
        link.delay = nil  // the command socket is no longer read
        scheduler.advance(byMilliseconds: 5000)
        #expect(fed() == 3, "the beat right after the last answered probe feeds; none after")
        #expect(watchdog.withheldBecause?.contains("no answer from the kernel") == true)
        #expect(watchdog.beatsWithheld == 4)
        link.delay = 5  // it recovers: fed again from the next beat after an answer
        scheduler.advance(byMilliseconds: 2000)
        #expect(fed() == 4 && watchdog.withheldBecause == nil)
    }

    @Test func aLateAnswerDoesNotCount() {
        let (scheduler, link, watchdog, fed) = Self.make(interval: 20_000)
        link.delay = 6000  // past the 5 s bound, though within the beat
        watchdog.start()
        scheduler.advance(byMilliseconds: 60_000)
        #expect(fed() == 0)
        #expect(watchdog.withheldBecause?.contains("after 6000 ms") == true)
    }

    @Test func stopsFeedingWhenTheSocketsAreNoLongerWatched() {
        let (scheduler, link, watchdog, fed) = Self.make()
        watchdog.start()
        scheduler.advance(byMilliseconds: 1000)
        link.watched = false
        scheduler.advance(byMilliseconds: 3000)
        #expect(fed() == 1)
        #expect(watchdog.withheldBecause?.contains("no longer watched") == true)
    }
}
