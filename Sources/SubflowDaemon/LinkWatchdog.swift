import Logging
import SubflowConfiguration
import SubflowCore
import SubflowPolicy

/// Feeds systemd's watchdog only while the kernel link really works, so that a daemon that
/// no longer hears the kernel is restarted instead of looking healthy.
///
/// Every `intervalMilliseconds` (half of WATCHDOG_USEC) it checks the probe sent at the
/// previous beat — a request the kernel always answers at once, on the command socket
/// (`KernelLink.probe`) — and that the sockets are still watched. If the answer came back
/// within `answerWithinMilliseconds` and the sockets are watched, it feeds (`feed`);
/// otherwise it withholds WATCHDOG=1 and says why, once per failure spell; then it sends the
/// next probe. A link that answers again is fed again.
final class LinkWatchdog {
    private let scheduler: any Scheduler
    private let logger: Logger
    private let intervalMilliseconds: UInt64
    private let answerWithinMilliseconds: UInt64
    private let probe: (@escaping () -> Void) -> Void
    private let isWatched: () -> Bool
    private let feed: () -> Void
    private var probeSentAt: UInt64?
    private var answeredAfter: UInt64?
    private var generation = 0
    private var timer: (any ScheduledTask)?
    /// Why the last beat did not feed, while it lasts.
    private(set) var withheldBecause: String?
    private(set) var beatsWithheld = 0

    static let longestAnswerMilliseconds: UInt64 = 5000

    init(
        scheduler: any Scheduler, logger: Logger, intervalMilliseconds: UInt64,
        probe: @escaping (@escaping () -> Void) -> Void, isWatched: @escaping () -> Bool, feed: @escaping () -> Void
    ) {
        self.scheduler = scheduler
        self.logger = logger
        self.intervalMilliseconds = max(intervalMilliseconds, 1)
        answerWithinMilliseconds = min(self.intervalMilliseconds, Self.longestAnswerMilliseconds)
        self.probe = probe
        self.isWatched = isWatched
        self.feed = feed
    }

    /// Sends the first probe; the first beat follows one interval later.
    func start() {
        sendProbe()
        schedule()
    }

    func stop() { timer?.cancel() }

    /// One beat: judge the last probe, feed or withhold, probe again.
    func beat() {
        if let reason = problem() {
            beatsWithheld += 1
            if withheldBecause == nil {
                logger.critical(
                    "not feeding the systemd watchdog: \(reason); systemd will restart subflowd unless the link recovers"
                )
            }
            withheldBecause = reason
        } else {
            if let reason = withheldBecause {
                logger.notice("the kernel link works again (it had \(reason)); feeding the watchdog")
            }
            withheldBecause = nil
            feed()
        }
        sendProbe()
    }

    private func problem() -> String? {
        guard isWatched() else { return "the kernel link's sockets are no longer watched" }
        guard probeSentAt != nil else { return nil }
        guard let after = answeredAfter else {
            return "no answer from the kernel to the link probe for \(intervalMilliseconds) ms"
        }
        guard after <= answerWithinMilliseconds else {
            return "the kernel link answered the probe after \(after) ms (limit \(answerWithinMilliseconds) ms)"
        }
        return nil
    }

    private func sendProbe() {
        generation += 1
        let current = generation
        let sent = scheduler.nowMilliseconds
        probeSentAt = sent
        answeredAfter = nil
        probe { [weak self] in
            guard let self, self.generation == current else { return }
            self.answeredAfter = self.scheduler.nowMilliseconds - sent
        }
    }

    private func schedule() {
        timer = scheduler.schedule(afterMilliseconds: intervalMilliseconds) { [weak self] in
            guard let self else { return }
            self.beat()
            self.schedule()
        }
    }
}
