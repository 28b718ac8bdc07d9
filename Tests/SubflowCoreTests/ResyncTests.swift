import Logging
import MPTCPWire
import SubflowCore
import SubflowPolicy
import SubflowSystem
import Testing

@testable import PathManagerHarness
@testable import SubflowTestSupport

/// The resync after lost events (Recovery/ResyncPlanner, EventResynchroniser,
/// PathManagerResync) and recovered subflows on addresses that went away (issue 8, defects 1
/// and 13), with the simulated kernel and fullmesh. The client has paths A (198.18.1.1 on 2)
/// and B (198.18.2.1 on 3); the server is 198.18.1.2:5201 and, for some connections, announced
/// 198.18.2.2.
@Suite("Resync")
struct ResyncTests {
    typealias R = RecoveryTests
    static let kept: UInt32 = 1001, vanished: UInt32 = 1002, appeared: UInt32 = 1003

    static func endpoint(_ address: String, _ port: UInt16) -> SocketEndpoint {
        SocketEndpoint(IPAddress(address)!, port: port)
    }

    /// A client connection established through events, with its path-B join established.
    static func meshed(_ h: Harness, _ token: UInt32, port: UInt16) {
        h.establish(h.connection(token, from: "198.18.1.1", port, to: "198.18.1.2", 5201))
        h.completeJoins(token: token, startingPort: port + 1)
    }

    static func resynchroniser(
        _ h: Harness, _ snapshot: @escaping () -> Result<KernelSnapshot, RecoveryError>
    )
        -> EventResynchroniser
    {
        var logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        return EventResynchroniser(manager: h.manager, logger: logger) { _ in R.FixedSnapshot(result: snapshot()) }
    }

    /// The kernel's view of a client connection: its msk and the given subflows.
    static func kernelConnection(
        _ token: UInt32, port: UInt16, joins: [(String, UInt16, SocketEndpoint, (UInt8, UInt8))]
    )
        -> (MPTCPConnectionSocket, [MPTCPSubflowSocket])
    {
        let local = endpoint("198.18.1.1", port)
        var subflows = [R.subflow(token, "198.18.1.1", port, R.serverA, ids: (0, 0), R.initialClient, device: 2)]
        for (address, localPort, remote, ids) in joins {
            subflows.append(
                R.subflow(
                    token, address, localPort, remote, ids: ids, R.joinedHere, device: address == "198.18.1.1" ? 2 : 3))
        }
        return (R.msk(token, local, R.serverA), subflows)
    }

    static func harness() throws -> Harness {
        let h = try R.harness()
        for token in [kept, vanished, appeared] { h.kernel.connections.insert(ConnectionToken(token)) }
        return h
    }

    /// Vanished dropped, appeared adopted and meshed, kept kept — with no duplicate join.
    @Test func dropsVanishedAdoptsAppearedKeepsTheRest() throws {
        let h = try Self.harness()
        Self.meshed(h, Self.kept, port: 40000)
        Self.meshed(h, Self.vanished, port: 41000)
        #expect(h.manager.connections[ConnectionToken(Self.kept)]?.subflows.count == 2)
        let createsBefore = h.creates.count

        h.manager.eventsOverrun()
        #expect(h.manager.connections.connections.values.allSatisfy { $0.stale })
        // The kernel now: `kept` with its two subflows; `appeared` (never reported) with the
        // initial subflow and a join to the peer's announced 198.18.2.2; `vanished` gone.
        let (keptMsk, keptSubflows) = Self.kernelConnection(
            Self.kept, port: 40000,
            joins: [("198.18.2.1", 40001, R.serverA, (1, 0))])
        let (newMsk, newSubflows) = Self.kernelConnection(
            Self.appeared, port: 42000,
            joins: [("198.18.1.1", 42001, R.serverB, (0, 1))])
        let snapshot = KernelSnapshot(
            connections: [keptMsk, newMsk], subflows: keptSubflows + newSubflows,
            addressTables: [ConnectionToken(Self.appeared): .entries([])])
        let report = Self.resynchroniser(h) { .success(snapshot) }.resynchronise()
        h.scheduler.runDue()

        #expect(report.vanished == [ConnectionToken(Self.vanished)] && report.kept == [ConnectionToken(Self.kept)])
        #expect(report.adopted == [ConnectionToken(Self.appeared)] && report.failure == nil)
        let table = h.manager.connections
        #expect(table[ConnectionToken(Self.vanished)] == nil)
        #expect(table[ConnectionToken(Self.kept)]?.subflows.count == 2)
        #expect(table.connections.values.allSatisfy { state in !state.stale })
        #expect(h.manager.policyName(for: ConnectionToken(Self.appeared)) == "fullmesh")
        // Only the adopted connection's missing path B → announced B; the peer's initial
        // endpoint is assumed deny-join for it (not recoverable), and `kept` is complete.
        #expect(Array(h.creates.dropFirst(createsBefore)) == ["198.18.2.1>198.18.2.2:5201"], "\(h.creates)")
        let c = h.manager.counters
        #expect(c.eventOverruns == 1 && c.eventResyncs == 1)
        #expect(c.connectionsDroppedByResync == 1 && c.connectionsAdoptedByResync == 1)
    }

    /// A lost SUB_ESTABLISHED: the join's subflow exists in the kernel; after the resync the
    /// path counts as used, and no second join goes out, even after the join timeout.
    @Test func aLostSubflowEstablishedGetsNoSecondJoin() throws {
        let h = try Self.harness()
        h.establish(h.connection(Self.kept, from: "198.18.1.1", 40000, to: "198.18.1.2", 5201))
        #expect(h.creates == ["198.18.2.1>198.18.1.2:5201"])
        h.manager.eventsOverrun()  // SUB_ESTABLISHED of that join was among the lost events
        let (msk, subflows) = Self.kernelConnection(
            Self.kept, port: 40000, joins: [("198.18.2.1", 40001, R.serverA, (1, 0))])
        Self.resynchroniser(h) { .success(KernelSnapshot(connections: [msk], subflows: subflows)) }.resynchronise()
        h.scheduler.advance(byMilliseconds: 120_000)
        #expect(h.creates == ["198.18.2.1>198.18.1.2:5201"], "one join, never repeated")
        #expect(h.manager.connections[ConnectionToken(Self.kept)]?.subflows.count == 2)
    }

    /// A lost SUB_CLOSED: the table still shows the join, the kernel no longer has it; after
    /// the resync the path is free again and fullmesh joins it once.
    @Test func aLostSubflowClosedFreesThePath() throws {
        let h = try Self.harness()
        Self.meshed(h, Self.kept, port: 40000)
        h.manager.eventsOverrun()
        let (msk, subflows) = Self.kernelConnection(Self.kept, port: 40000, joins: [])
        Self.resynchroniser(h) { .success(KernelSnapshot(connections: [msk], subflows: subflows)) }.resynchronise()
        h.scheduler.runDue()
        #expect(h.creates == ["198.18.2.1>198.18.1.2:5201", "198.18.2.1>198.18.1.2:5201"])
        #expect(h.manager.connections[ConnectionToken(Self.kept)]?.subflows.count == 1)
    }

    /// Between the overrun and the resync, events update the table but policies do not act:
    /// a backlog of connections that are long gone costs no command. A connection that stayed
    /// is handed to its policy by the resync, with the flags its events carried.
    @Test func eventsBeforeTheResyncUpdateTheTableOnly() throws {
        let h = try Self.harness()
        h.manager.eventsOverrun()
        h.establish(h.connection(Self.vanished, from: "198.18.1.1", 41000, to: "198.18.1.2", 5201))
        h.event(.closed(ConnectionToken(Self.vanished)))
        h.establish(h.connection(Self.appeared, from: "198.18.1.1", 42000, to: "198.18.1.2", 5201))
        #expect(h.creates.isEmpty, "no command while the state awaits its resync")
        #expect(h.manager.connections[ConnectionToken(Self.vanished)] == nil)
        #expect(h.manager.connections[ConnectionToken(Self.appeared)] != nil)

        let (msk, subflows) = Self.kernelConnection(Self.appeared, port: 42000, joins: [])
        let report = Self.resynchroniser(h) { .success(KernelSnapshot(connections: [msk], subflows: subflows)) }
            .resynchronise()
        h.scheduler.runDue()
        #expect(report.adopted == [ConnectionToken(Self.appeared)])
        // Its ESTABLISHED said the peer allows joins to its initial endpoint: path B joins it.
        #expect(h.creates == ["198.18.2.1>198.18.1.2:5201"])
        h.event(.established(h.connection(Self.appeared, from: "198.18.1.1", 42000, to: "198.18.1.2", 5201)))
        #expect(h.creates.count == 1, "events after the resync reach the policy; no duplicate")
    }

    /// A resync that cannot read the kernel is retried; until then events reach policies again.
    @Test func aFailedResyncIsRetried() throws {
        let h = try Self.harness()
        Self.meshed(h, Self.kept, port: 40000)
        var attempts = 0
        let (msk, subflows) = Self.kernelConnection(
            Self.kept, port: 40000, joins: [("198.18.2.1", 40001, R.serverA, (1, 0))])
        let resync = Self.resynchroniser(h) {
            attempts += 1
            return attempts == 1
                ? .failure(.socket(SystemError(operation: "socket(AF_NETLINK)", errno: .tooManyOpenFiles)))
                : .success(KernelSnapshot(connections: [msk], subflows: subflows))
        }
        h.manager.eventsOverrun()
        #expect(resync.resynchronise().failure != nil)
        #expect(resync.isRetryPending && !h.manager.awaitingResync)
        #expect(h.manager.connections[ConnectionToken(Self.kept)]?.stale == true)
        h.scheduler.advance(byMilliseconds: 1000)
        #expect(attempts == 2 && !resync.isRetryPending)
        #expect(h.manager.connections[ConnectionToken(Self.kept)]?.stale == false)
        #expect(h.manager.counters.eventResyncFailures == 1 && h.manager.counters.eventResyncs == 1)
    }

    // MARK: Defect 13: recovered subflows on an address that went away

    /// Start-up: 198.18.2.1 was removed while subflowd was down; the recovered mesh still has
    /// two subflows from it. Once the network picture is complete, fullmesh destroys them, as
    /// the live daemon would have when the address went.
    @Test func startupRecoveryRetiresSubflowsOnARemovedAddress() throws {
        let h = try Harness()
        h.link(2, "cli-a"); h.link(3, "cli-b")
        h.address("198.18.1.1", on: 2)  // 198.18.2.1 is gone
        h.kernel.connections.insert(ConnectionToken(R.token))
        let report = R.recovery(h).run(from: R.FixedSnapshot(result: .success(R.meshSnapshot)))
        #expect(h.manager.retireUnusableSubflows(of: report.adopted) == 2)
        h.scheduler.runDue()
        #expect(
            Set(h.destroys) == ["198.18.2.1:43387>198.18.2.2:5201", "198.18.2.1:36233>198.18.1.2:5201"], "\(h.destroys)"
        )
        #expect(h.creates.isEmpty)
        #expect(h.manager.counters.recoveredSubflowsOnUnusableAddresses == 2)
    }

    /// The same on an address whose link is down, and nothing on one that is only filtered out.
    @Test func onlyGoneOrUnusableAddressesCount() throws {
        let down = try Harness()
        down.link(2, "cli-a"); down.link(3, "cli-b", up: false)
        down.address("198.18.1.1", on: 2); down.address("198.18.2.1", on: 3)
        down.kernel.connections.insert(ConnectionToken(R.token))
        let adopted = R.recovery(down).run(from: R.FixedSnapshot(result: .success(R.meshSnapshot))).adopted
        #expect(down.manager.retireUnusableSubflows(of: adopted) == 2)

        var filter = AddressFilter()
        filter.denyInterfaces = ["cli-b"]
        let filtered = try Harness(filter: filter)
        filtered.link(2, "cli-a"); filtered.link(3, "cli-b")
        filtered.address("198.18.1.1", on: 2); filtered.address("198.18.2.1", on: 3)
        filtered.kernel.connections.insert(ConnectionToken(R.token))
        let kept = R.recovery(filtered).run(from: R.FixedSnapshot(result: .success(R.meshSnapshot))).adopted
        #expect(filtered.manager.retireUnusableSubflows(of: kept) == 0)
        filtered.scheduler.runDue()
        #expect(filtered.destroys.isEmpty)
    }

    /// At a resync: the join's SUB_ESTABLISHED was lost, then its address went away. When the
    /// route monitor reported that, fullmesh saw no subflow there to close; the resync shows
    /// the kernel's subflow on the gone address, and fullmesh closes it.
    @Test func aResyncRetiresSubflowsOnARemovedAddress() throws {
        let h = try Self.harness()
        h.establish(h.connection(Self.kept, from: "198.18.1.1", 40000, to: "198.18.1.2", 5201))
        h.manager.eventsOverrun()
        h.removeAddress("198.18.2.1", on: 3)
        #expect(h.destroys.isEmpty)
        let (msk, subflows) = Self.kernelConnection(
            Self.kept, port: 40000, joins: [("198.18.2.1", 40001, R.serverA, (1, 0))])
        Self.resynchroniser(h) { .success(KernelSnapshot(connections: [msk], subflows: subflows)) }.resynchronise()
        h.scheduler.runDue()
        #expect(h.destroys == ["198.18.2.1:40001>198.18.1.2:5201"], "\(h.destroys)")
        #expect(h.creates == ["198.18.2.1>198.18.1.2:5201"], "and no new join from the gone address")
    }
}

/// Liveness lookups go out a window at a time: thousands of GET_ADDR dumps at once overflowed
/// the command socket (4,000 connections: 3,917 answers lost).
@Suite("Liveness window")
struct LivenessWindowTests {
    @Test func atMostAWindowOfLookupsWaitsAtATime() throws {
        let h = try Harness()
        h.link(2, "cli-a"); h.address("198.18.1.1", on: 2)
        for token in UInt32(1)...200 {
            h.establish(h.connection(token, from: "198.18.1.1", UInt16(30000 + token), to: "198.18.1.2", 5201))
        }
        h.kernel.connections.remove(ConnectionToken(7))  // gone without a CLOSED event
        let before = h.kernel.commands.count
        func lookups() -> Int {
            h.kernel.commands.dropFirst(before).filter { if case .dumpAddresses = $0 { true } else { false } }.count
        }
        h.manager.checkLiveness()
        #expect(lookups() == PathManager.livenessWindow, "the first window only")
        h.scheduler.runDue()
        #expect(lookups() == 200, "each answer sends the next lookup")
        #expect(h.manager.connections.count == 199 && h.manager.connections[ConnectionToken(7)] == nil)
        #expect(h.manager.counters.connectionsVanished == 1)
    }
}

/// A connection the snapshot listed while it was closing (its CLOSED among the lost events)
/// is dropped by the lookup that follows a resync, not only at the next liveness round.
@Suite struct ResyncConfirmationTests {
    @Test func adoptedConnectionsThatAreGoneSoonAfterAreDropped() throws {
        let h = try ResyncTests.harness()
        h.manager.eventsOverrun()
        let (closingMsk, closingSubflows) = ResyncTests.kernelConnection(ResyncTests.appeared, port: 42000, joins: [])
        let snapshot = KernelSnapshot(
            connections: [closingMsk], subflows: closingSubflows,
            addressTables: [ConnectionToken(ResyncTests.appeared): .entries([])])
        let report = ResyncTests.resynchroniser(h) { .success(snapshot) }.resynchronise()
        h.scheduler.runDue()
        #expect(report.adopted == [ConnectionToken(ResyncTests.appeared)])
        // It finishes closing; the kernel's CLOSED was lost.
        h.kernel.connections.remove(ConnectionToken(ResyncTests.appeared))
        h.scheduler.advance(byMilliseconds: EventResynchroniser.confirmAdoptedMilliseconds - 1)
        #expect(h.manager.connections[ConnectionToken(ResyncTests.appeared)] != nil, "looked up only after the delay")
        h.scheduler.advance(byMilliseconds: 1)
        h.scheduler.runDue()
        #expect(h.manager.connections[ConnectionToken(ResyncTests.appeared)] == nil)
        #expect(h.manager.counters.connectionsVanished == 1)
    }
}
