import Logging
import MPTCPWire
import SubflowPolicy

/// Rebuilds subflowd's state at start-up from the connections that already exist — after a
/// crash or a restart — and hands them to their policies, so that their mesh is completed
/// without duplicating a subflow that exists (docs/recovery.md).
///
/// Run it once, on the event-loop thread, right after the events group was joined and before
/// any queued event is read: an event raised before the snapshot then finds the adopted
/// connection and only updates it (every event applies idempotently: SUB_ESTABLISHED replaces
/// the subflow with the same 4-tuple, SUB_CLOSED of a subflow the snapshot no longer has
/// removes nothing, CREATED/ESTABLISHED keep the state and refresh the deny-join flag), and
/// nothing raised after the join is lost. A connection the table already knows (its events
/// were read first) is left to those events.
public struct StartupRecovery {
    public let manager: PathManager
    public let logger: Logger

    public init(manager: PathManager, logger: Logger) {
        self.manager = manager
        self.logger = logger
    }

    /// Reads the kernel through `source`, adopts what the planner allows, logs what it did.
    /// A kernel that cannot be read leaves existing connections unmanaged (logged); subflowd
    /// goes on with new ones.
    @discardableResult
    public func run(from source: any KernelSnapshotSource) -> RecoveryReport {
        let started = manager.scheduler.nowMilliseconds
        let snapshot: KernelSnapshot
        do { snapshot = try source.read() } catch {
            logger.error(
                "recovery: cannot list the kernel's MPTCP connections: \(error); connections opened before this start stay unmanaged"
            )
            return RecoveryReport(failure: "\(error)")
        }
        for (what, bytes) in snapshot.rawMessages { logger.debug("recovery: read \(what): \(Self.hex(bytes))") }
        for problem in snapshot.problems { logger.warning("recovery: left out an undecodable message: \(problem)") }
        let report = apply(RecoveryPlanner.plan(snapshot))
        logger.notice(
            """
            recovery: \(report.adopted.count) existing connection(s) adopted\
            \(report.adopted.isEmpty ? "" : " (\(report.adopted.map(\.description).joined(separator: ", ")))"), \
            \(report.skipped.count) left alone, \(report.alreadyKnown.count) already known from events; \
            \(snapshot.subflows.count) subflow(s) seen, in \(manager.scheduler.nowMilliseconds - started) ms
            """)
        return report
    }

    /// Adopts the connections of `plan` the table does not know yet: the listener manager
    /// first learns the MPTCP listeners the kernel listed and takes a reference on every
    /// endpoint a connection had announced (its listener may have died with the previous
    /// daemon), then each connection goes to its policy (`PathManager.adoptRecovered`).
    @discardableResult
    public func apply(_ plan: RecoveryPlan) -> RecoveryReport {
        var report = RecoveryReport()
        for listener in plan.listeners { manager.listeners.listenerCreated(listener) }
        for recovered in plan.adopted {
            let state = recovered.state
            guard manager.connections[state.token] == nil else {
                logger.info("recovery: connection \(state.token) is already known from its events; left to them")
                report.alreadyKnown.append(state.token)
                continue
            }
            logger.info("recovery: \(Self.describe(recovered))")
            for (id, endpoint) in state.announcedLocally.sorted(by: { $0.key < $1.key }) {
                manager.listeners.acquire(
                    ListenerManager.joinEndpoint(endpoint.address, port: endpoint.port, of: state),
                    id: id, for: state.token)
            }
            manager.adoptRecovered(state)
            report.adopted.append(state.token)
        }
        for skipped in plan.skipped {
            logger.info("recovery: not adopting \(skipped)")
            report.skipped.append(skipped)
        }
        return report
    }

    /// One log line per adopted connection: what was rebuilt and from what evidence.
    public static func describe(_ recovered: RecoveredConnection) -> String {
        let state = recovered.state
        let ids = state.localAddressIDs.sorted { $0.value < $1.value }.map { "\($0.value)=\($0.key)" }
        let peer = state.announcedByPeer.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let announced = state.announcedLocally.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return """
            connection \(state.token) \(state.side) \(state.local) -> \(state.remote) \
            (\(recovered.side)), \(state.established ? "established" : "not fully established yet"): \
            \(state.subflows.count) subflow(s) [\(state.subflows.map(\.description).joined(separator: ", "))]; \
            local ids [\(ids.joined(separator: ", "))]; announced here [\(announced.joined(separator: ", "))]; \
            peer addresses in use [\(peer.joined(separator: ", "))]; deny-join-id0 \
            \(recovered.joinToInitialEndpointSeen ? "clear (a join to the peer's initial endpoint exists)" : "assumed (not recoverable)")
            """
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return text
    }
}

/// What one recovery did.
public struct RecoveryReport: Sendable, Hashable {
    public var adopted: [ConnectionToken] = []
    /// Connections in the plan that the table already had (their events came first).
    public var alreadyKnown: [ConnectionToken] = []
    public var skipped: [SkippedConnection] = []
    /// Set when the kernel could not be read at all.
    public var failure: String?

    public init(failure: String? = nil) { self.failure = failure }
}
