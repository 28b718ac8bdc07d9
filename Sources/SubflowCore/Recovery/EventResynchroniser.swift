import Logging
import MPTCPWire
import SubflowPolicy

/// Rebuilds the connection table from the kernel after it dropped MPTCP events (netlink
/// overrun on the events socket), so that subflowd keeps managing what really exists.
///
/// Ordering (docs/recovery.md, "After lost events"):
/// 1. Drain. The kernel link reads the events socket until it is empty and only then calls
///    `resynchronise()` — once for a whole burst, however many ENOBUFS it saw (each one is
///    counted by `PathManager.eventsOverrun`). Events read after the first ENOBUFS precede the
///    snapshot: they update the table but policies do not act on them
///    (`PathManager.applyAwaitingResync`); the snapshot supersedes whatever they got wrong, and
///    none of them is applied again after it.
/// 2. Snapshot, synchronously on the loop thread (sock_diag, and GET_ADDR for the connections
///    the table does not know). Events raised meanwhile wait in the events socket.
/// 3. Apply: vanished connections are dropped, kept ones take the kernel's subflows, unknown
///    ones are adopted as at start-up; then policies hear `.eventsLost` and converge.
/// 4. The events queued during the snapshot are read next, by the ordinary read handler, and
///    applied on top. Each is newer than the drain, and may or may not already be reflected in
///    the snapshot; applying one whose effect the snapshot already shows changes nothing
///    (SUB_ESTABLISHED replaces the subflow of the same 4-tuple, SUB_CLOSED of a subflow
///    already gone removes nothing, CREATED/ESTABLISHED of an adopted connection keep it,
///    CLOSED of a dropped one finds nothing), and one the snapshot predates brings the state
///    forward. So nothing is lost and nothing applies twice. If that queue overran too, the
///    link reports it after draining and another resync follows.
/// A resync that cannot read the kernel leaves every connection stale and is retried with a
/// backoff (1 s, doubling, at most 30 s) until one succeeds or new lost events start over.
public final class EventResynchroniser {
    public let manager: PathManager
    public let logger: Logger
    /// The snapshot to read, given the tokens the table already follows (their address tables
    /// need not be dumped).
    private let source: (Set<ConnectionToken>) -> any KernelSnapshotSource
    private var retry: (any ScheduledTask)?
    private var confirmation: (any ScheduledTask)?
    /// How long after a resync the connections it adopted are looked up again. Why: the
    /// snapshot also lists connections that are closing, whose CLOSED event was among the lost
    /// ones (seen under bench/storm.sh: 5 of 100 kept connections' neighbours stayed as
    /// phantoms until the next liveness round, 30 s later). By then those are gone from the
    /// kernel and are dropped; live ones answer and stay.
    public static let confirmAdoptedMilliseconds: UInt64 = 3000
    private var retryDelay = EventResynchroniser.firstRetryMilliseconds
    static let firstRetryMilliseconds: UInt64 = 1000
    static let lastRetryMilliseconds: UInt64 = 30_000

    public init(
        manager: PathManager, logger: Logger, source: @escaping (Set<ConnectionToken>) -> any KernelSnapshotSource
    ) {
        self.manager = manager
        self.logger = logger
        self.source = source
    }

    /// One overrun reported and the events socket drained: resync now.
    public func eventsLost() {
        manager.eventsOverrun()
        resynchronise()
    }

    public var isRetryPending: Bool { retry != nil }

    /// One resync: snapshot, plan, apply, tell policies. Returns what it did.
    @discardableResult
    public func resynchronise() -> ResyncReport {
        retry?.cancel()
        retry = nil
        let started = manager.scheduler.nowMilliseconds
        let known = Set(manager.connections.connections.keys)
        let snapshot: KernelSnapshot
        do { snapshot = try source(known).read() } catch {
            manager.eventResyncFailed()
            logger.error(
                "resync after lost events: cannot read the kernel's MPTCP connections: \(error); state stays stale, retrying in \(retryDelay) ms"
            )
            retry = manager.scheduler.schedule(afterMilliseconds: retryDelay) { [weak self] in
                self?.retry = nil
                self?.resynchronise()
            }
            retryDelay = min(retryDelay * 2, Self.lastRetryMilliseconds)
            return ResyncReport(failure: "\(error)")
        }
        let read = manager.scheduler.nowMilliseconds
        retryDelay = Self.firstRetryMilliseconds
        for problem in snapshot.problems { logger.warning("resync: left out an undecodable message: \(problem)") }
        let plan = ResyncPlanner.plan(table: manager.connections.connections, snapshot: snapshot)
        let handedOver = Set(manager.applyResync(plan))
        let recovery = StartupRecovery(manager: manager, logger: logger).apply(plan.unknown)
        let unusable = manager.retireUnusableSubflows(of: plan.kept.map(\.token) + recovery.adopted)
        var report = ResyncReport()
        report.vanished = plan.vanished
        report.kept = plan.kept.map(\.token).filter { !handedOver.contains($0) }
        report.adopted = (handedOver.sorted() + recovery.adopted)
        manager.finishEventResync(adopted: report.adopted.count)
        if !report.adopted.isEmpty {
            let adopted = report.adopted
            confirmation?.cancel()
            confirmation = manager.scheduler.schedule(afterMilliseconds: Self.confirmAdoptedMilliseconds) {
                [weak self, manager] in
                self?.confirmation = nil
                manager.checkLiveness(of: adopted)
            }
        }
        report.skipped = recovery.skipped.count
        report.snapshotMilliseconds = read - started
        report.totalMilliseconds = manager.scheduler.nowMilliseconds - started
        logger.notice(
            """
            resync after lost events: \(report.kept.count) connection(s) kept, \(report.adopted.count) adopted, \
            \(report.vanished.count) dropped (gone), \(report.skipped) left alone, \(unusable) subflow(s) on unusable \
            addresses; \(snapshot.subflows.count) subflow(s) seen; snapshot \(report.snapshotMilliseconds) ms, \
            total \(report.totalMilliseconds) ms
            """)
        return report
    }
}

/// What one resync did.
public struct ResyncReport: Sendable, Hashable {
    /// Dropped: gone from the kernel.
    public var vanished: [ConnectionToken] = []
    /// Followed before the overrun and still there.
    public var kept: [ConnectionToken] = []
    /// New to the policies: opened while events were lost (from the snapshot, or from a
    /// CREATED read after the overrun).
    public var adopted: [ConnectionToken] = []
    public var skipped = 0
    public var snapshotMilliseconds: UInt64 = 0
    public var totalMilliseconds: UInt64 = 0
    /// Set when the kernel could not be read.
    public var failure: String?

    public init(failure: String? = nil) { self.failure = failure }
}
