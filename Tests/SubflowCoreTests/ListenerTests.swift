import Logging
import MPTCPWire
import SubflowCore
import SubflowPolicy
import SubflowSimulation
import Testing

@testable import PathManagerHarness
@testable import SubflowTestSupport

/// The core's listener management: which announced endpoints get a socket of subflowd's,
/// how references are counted, and what counts as covered — with a simulated ListenerBackend.
@Suite struct ListenerTests {
    let fake = SimulatedListeners()
    let manager: ListenerManager

    init() {
        var quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        quiet.logLevel = .critical
        manager = ListenerManager(logger: quiet, backend: fake)
    }

    static let b = endpoint("198.18.2.2", 5201)
    static let b6 = endpoint("2001:db8:2::2", 5201)

    // MARK: Reference counting

    @Test func oneSocketPerEndpointClosedWithTheLastReference() {
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        manager.acquire(Self.b, id: AddressID(4), for: ConnectionToken(2))
        #expect(fake.calls == ["open 198.18.2.2:5201"])
        #expect(manager.holders(of: Self.b) == [ConnectionToken(1), ConnectionToken(2)])
        manager.removed(id: AddressID(1), for: ConnectionToken(1))
        #expect(fake.open == [Self.b], "connection 2 still announces it")
        manager.removed(id: AddressID(1), for: ConnectionToken(2))
        #expect(fake.open == [Self.b], "connection 2 announced it as id 4, not 1")
        manager.connectionClosed(ConnectionToken(2))
        #expect(fake.calls == ["open 198.18.2.2:5201", "close 198.18.2.2:5201"])
        #expect(manager.ownListeners.isEmpty && manager.cover(of: Self.b) == nil)
    }

    @Test func reannouncingTheSameEndpointTakesNoSecondReference() {
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        manager.removed(id: AddressID(1), for: ConnectionToken(1))
        #expect(fake.calls == ["open 198.18.2.2:5201", "close 198.18.2.2:5201"])
    }

    @Test func eachEndpointHasItsOwnSocket() {
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        manager.acquire(Self.b6, id: AddressID(1), for: ConnectionToken(2))
        manager.acquire(endpoint("198.18.2.2", 6000), id: AddressID(2), for: ConnectionToken(1))
        #expect(manager.ownListeners == [Self.b, endpoint("198.18.2.2", 6000), Self.b6])
        manager.connectionClosed(ConnectionToken(1))
        #expect(manager.ownListeners == [Self.b6])
    }

    // MARK: Coverage

    @Test func anExactOrFamilyWildcardListenerCovers() {
        manager.listenerCreated(endpoint("0.0.0.0", 5201))
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        #expect(manager.cover(of: Self.b) == .listener(endpoint("0.0.0.0", 5201)))
        manager.acquire(Self.b6, id: AddressID(1), for: ConnectionToken(2))
        #expect(fake.calls == ["open [2001:db8:2::2]:5201"], "an IPv4 wildcard does not take IPv6 joins")
        manager.listenerCreated(endpoint("198.18.3.2", 5201))
        manager.acquire(endpoint("198.18.3.2", 5201), id: AddressID(2), for: ConnectionToken(1))
        #expect(
            manager.cover(of: endpoint("198.18.3.2", 5201)) == .listener(endpoint("198.18.3.2", 5201)),
            "the exact one is preferred")
    }

    @Test func theIPv6WildcardCoversIPv4Too() {
        manager.listenerCreated(endpoint("::", 5201))
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        manager.acquire(Self.b6, id: AddressID(1), for: ConnectionToken(2))
        #expect(fake.calls.isEmpty)
        #expect(manager.cover(of: Self.b) == .listener(endpoint("::", 5201)))
    }

    @Test func otherPortsAndOtherAddressesDoNotCover() {
        manager.listenerCreated(endpoint("198.18.1.2", 5201))  // an application bound to ONE address
        manager.listenerCreated(endpoint("0.0.0.0", 80))
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        #expect(fake.calls == ["open 198.18.2.2:5201"])
    }

    @Test func aClosedListenerNoLongerCoversNewAnnouncements() {
        manager.listenerCreated(endpoint("0.0.0.0", 5201))
        manager.listenerClosed(endpoint("0.0.0.0", 5201))
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        #expect(fake.calls == ["open 198.18.2.2:5201"])
    }

    @Test func aListenerClosingUnderAnAnnouncementIsNotTakenOverUntilTheNextAnnouncement() {
        manager.listenerCreated(endpoint("0.0.0.0", 5201))
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        manager.listenerClosed(endpoint("0.0.0.0", 5201))
        #expect(manager.cover(of: Self.b) == .lost(endpoint("0.0.0.0", 5201)))
        #expect(fake.calls.isEmpty, "taking the port would keep the application from listening there again")
        manager.listenerCreated(endpoint("0.0.0.0", 5201))
        #expect(manager.cover(of: Self.b) == .listener(endpoint("0.0.0.0", 5201)))
        manager.listenerClosed(endpoint("0.0.0.0", 5201))
        manager.acquire(Self.b, id: AddressID(3), for: ConnectionToken(2))
        #expect(fake.calls == ["open 198.18.2.2:5201"], "a new announcement needs a listener, so one is opened")
    }

    @Test func anotherListenerKeepsCoveringWhenOneCloses() {
        manager.listenerCreated(endpoint("0.0.0.0", 5201))
        manager.listenerCreated(endpoint("::", 5201))
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        manager.listenerClosed(endpoint("0.0.0.0", 5201))
        #expect(manager.cover(of: Self.b) == .listener(endpoint("::", 5201)))
    }

    @Test func subflowdsOwnListenerEventsAreNotForeignListeners() {
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        manager.listenerCreated(Self.b)  // the kernel reports subflowd's own socket
        manager.connectionClosed(ConnectionToken(1))
        manager.listenerClosed(Self.b)
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(2))
        #expect(fake.calls == ["open 198.18.2.2:5201", "close 198.18.2.2:5201", "open 198.18.2.2:5201"])
    }

    @Test func ownEventsArrivingAfterTheSocketClosedAreRecognisedToo() {
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        manager.connectionClosed(ConnectionToken(1))
        manager.listenerCreated(Self.b)  // late: the socket is already closed
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(2))
        #expect(fake.open == [Self.b], "not mistaken for a foreign listener")
        manager.listenerClosed(Self.b)  // late CLOSED of the first socket
        #expect(manager.cover(of: Self.b) == .ownSocket)
    }

    @Test func addressInUseCountsAsCoveredAndIsNeverClosed() {
        fake.inUse = [Self.b]
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        #expect(manager.cover(of: Self.b) == .inUse && fake.open.isEmpty)
        manager.connectionClosed(ConnectionToken(1))
        #expect(fake.calls == ["open 198.18.2.2:5201"])
    }

    @Test func aFailedBindIsTriedAgainByTheNextAnnouncement() {
        fake.failing = [Self.b: 99]
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        guard case .failed = manager.cover(of: Self.b) else {
            Issue.record("\(String(describing: manager.cover(of: Self.b)))"); return
        }
        fake.failing = [:]
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(2))
        #expect(manager.cover(of: Self.b) == .ownSocket)
    }

    @Test func withoutAPortNothingIsOpened() {
        var quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        quiet.logLevel = .critical
        let unmanaged = ListenerManager(logger: quiet)
        unmanaged.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        #expect(unmanaged.cover(of: Self.b) == .unmanaged)
    }

    @Test func closeAllClosesOnlySubflowdsSockets() {
        fake.inUse = [Self.b6]
        manager.acquire(Self.b, id: AddressID(1), for: ConnectionToken(1))
        manager.acquire(Self.b6, id: AddressID(1), for: ConnectionToken(2))
        manager.closeAll()
        #expect(fake.calls == ["open 198.18.2.2:5201", "open [2001:db8:2::2]:5201", "close 198.18.2.2:5201"])
    }
}

/// The PathManager's hooks: announcements through a policy take references, REMOVE and the
/// connection's end release them.
@Suite struct ListenerHookTests {
    @Test func theListenerOpensOnTheConnectionsPortBeforeTheAnnounceIsSent() throws {
        let fake = SimulatedListeners()
        let h = try Harness(signalPerInterface: [:], listeners: fake)
        var commandsSentBeforeOpen: [Int] = []
        fake.onOpen = { [kernel = h.kernel] _ in commandsSentBeforeOpen.append(kernel.commands.count) }
        h.serverHost(paths: 2)
        h.establish(h.serverConnection(1))
        #expect(
            fake.open == [endpoint("198.18.2.2", 5201)], "ADD_ADDR without a port: the peer joins the connection's port"
        )
        #expect(commandsSentBeforeOpen == [0])
        #expect(h.manager.listeners.cover(of: endpoint("198.18.2.2", 5201)) == .ownSocket)
    }

    @Test func coveredByTheApplicationsWildcardListenerNothingIsOpened() throws {
        let fake = SimulatedListeners()
        let h = try Harness(signalPerInterface: [:], listeners: fake)
        h.serverHost(paths: 2)
        h.event(.listenerCreated(endpoint("0.0.0.0", 5201)))
        h.establish(h.serverConnection(1))
        #expect(h.announcements.count == 1)
        #expect(fake.calls.isEmpty)
    }

    @Test func removeAndConnectionCloseReleaseTheirReferences() throws {
        let fake = SimulatedListeners()
        let h = try Harness(signalPerInterface: [:], listeners: fake)
        h.serverHost(paths: 2)
        h.establish(h.serverConnection(1))
        h.establish(h.serverConnection(2, remote: "198.18.1.3"))
        #expect(fake.calls == ["open 198.18.2.2:5201"])
        h.event(.closed(ConnectionToken(2)))
        #expect(fake.open == [endpoint("198.18.2.2", 5201)])
        h.link(3, "srv-b", up: false)  // connection 1 REMOVEs it, paced: the last reference
        h.scheduler.advance(byMilliseconds: 100)
        #expect(h.removals == ["1 id=1"])
        #expect(fake.calls == ["open 198.18.2.2:5201", "close 198.18.2.2:5201"])
    }

    @Test func aRefusedRemoveKeepsTheListener() throws {
        let fake = SimulatedListeners()
        let h = try Harness(signalPerInterface: [:], listeners: fake)
        h.serverHost(paths: 2)
        h.establish(h.serverConnection(1))
        h.kernel.forcedFailures = [
            (
                matches: { if case .remove = $0 { return true } else { return false } },
                error: KernelError(code: .invalidArgument, message: "address with id 1 not found")
            )
        ]
        h.link(3, "srv-b", up: false)
        #expect(fake.open == [endpoint("198.18.2.2", 5201)])
        h.event(.closed(ConnectionToken(1)))
        #expect(fake.open.isEmpty)
    }

    @Test func anExplicitPortIsListenedOnAsAnnounced() throws {
        let scheduler = ManualScheduler()
        let kernel = SimulatedKernel(scheduler: scheduler)
        let fake = SimulatedListeners()
        var quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        quiet.logLevel = .critical
        let manager = PathManager(kernel: kernel, scheduler: scheduler, logger: quiet)
        manager.listeners.backend = fake
        try manager.load(
            PolicyRegistration(name: "announce-port", summary: "test") { context, _ in
                AnnounceWithPort(context: context)
            }, settings: PolicySettings(), origin: "test")
        kernel.connections.insert(ConnectionToken(7))
        let info = ConnectionEventInfo(
            token: ConnectionToken(7), local: endpoint("198.18.1.2", 5201),
            remote: endpoint("198.18.1.1", 40000), localID: .initial, remoteID: .initial,
            serverSide: true, denyJoinInitialEndpoint: false)
        manager.handle(.established(info))
        scheduler.runDue()
        #expect(fake.open == [endpoint("198.18.2.2", 6000)])
    }
}

/// Announces 198.18.2.2 port 6000 on every established connection.
private final class AnnounceWithPort: PathPolicy {
    let context: any PolicyContext
    init(context: any PolicyContext) { self.context = context }
    func handle(_ event: PolicyEvent) {
        guard case .connectionEstablished(let state) = event else { return }
        context.send(.announce(state.token, endpoint: endpoint("198.18.2.2", 6000)))
    }
}

private func endpoint(_ address: String, _ port: UInt16) -> SocketEndpoint {
    SocketEndpoint(IPAddress(address)!, port: port)
}
