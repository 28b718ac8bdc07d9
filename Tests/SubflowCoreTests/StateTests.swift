import MPTCPWire
import SubflowCore
import SubflowPolicy
import Testing

@testable import PathManagerHarness
@testable import SubflowTestSupport

@Suite struct ConnectionTableTests {
    func info(_ token: UInt32, port: UInt16 = 40000) -> ConnectionEventInfo {
        ConnectionEventInfo(
            token: ConnectionToken(token), local: SocketEndpoint(IPAddress("198.18.1.1")!, port: port),
            remote: SocketEndpoint(IPAddress("198.18.1.2")!, port: 443))
    }

    @Test func recordsTheInitialSubflowAndIsEstablishedOnlyAfterEstablished() {
        var table = ConnectionTable()
        _ = table.apply(.created(info(1)))
        #expect(table[ConnectionToken(1)]?.established == false)
        #expect(table[ConnectionToken(1)]?.subflows.count == 1)
        _ = table.apply(.established(info(1)))
        #expect(table[ConnectionToken(1)]?.established == true)
        #expect(table[ConnectionToken(1)]?.subflows.count == 1)
    }

    @Test func dropsClosedConnectionsSoMemoryIsBoundedByLiveOnes() {
        var table = ConnectionTable()
        for token in UInt32(1)...5000 {
            _ = table.apply(.created(info(token)))
            _ = table.apply(.established(info(token)))
            _ = table.apply(.closed(ConnectionToken(token)))
        }
        #expect(table.count == 0)
    }

    @Test func reportsEventsForConnectionsItNeverSaw() {
        var table = ConnectionTable()
        #expect(
            table.apply(.removed(token: ConnectionToken(9), id: AddressID(1))) == .unknownConnection(ConnectionToken(9))
        )
    }

    @Test func allocatesLocalAddressIDsUnderTheKernelsRules() {
        var state = ConnectionState(
            token: ConnectionToken(1), side: .client,
            local: SocketEndpoint(IPAddress("198.18.1.1")!, port: 1),
            remote: SocketEndpoint(IPAddress("198.18.1.2")!, port: 2))
        #expect(state.localID(for: IPAddress("198.18.1.1")!) == AddressID(0))  // the initial address
        #expect(state.localID(for: IPAddress("198.18.2.1")!) == AddressID(1))
        #expect(state.localID(for: IPAddress("198.18.3.1")!) == AddressID(2))
        #expect(state.localID(for: IPAddress("198.18.2.1")!) == AddressID(1))  // stable
        // An ID the kernel allocated itself (incoming join) wins and is never handed out twice.
        state.recordLocalID(AddressID(3), for: IPAddress("198.18.4.1")!)
        #expect(state.localID(for: IPAddress("198.18.5.1")!) == AddressID(4))
    }

    @Test func tracksAnnouncementsAndSubflows() {
        var table = ConnectionTable()
        _ = table.apply(.established(info(1)))
        _ = table.apply(
            .announced(
                token: ConnectionToken(1), id: AddressID(3),
                endpoint: SocketEndpoint(IPAddress("198.18.2.2")!, port: 443)))
        let sub = SubflowEventInfo(
            token: ConnectionToken(1), local: SocketEndpoint(IPAddress("198.18.2.1")!, port: 5),
            remote: SocketEndpoint(IPAddress("198.18.2.2")!, port: 443), localID: AddressID(2), remoteID: AddressID(3))
        _ = table.apply(.subflowEstablished(sub))
        #expect(table[ConnectionToken(1)]?.subflows.count == 2)
        #expect(table[ConnectionToken(1)]?.localAddressIDs[IPAddress("198.18.2.1")!] == AddressID(2))
        _ = table.apply(.subflowClosed(sub))
        #expect(table[ConnectionToken(1)]?.lastFailedSubflow == nil)  // an orderly close
        var failed = sub
        failed.error = 111
        _ = table.apply(.subflowEstablished(sub))
        _ = table.apply(.subflowClosed(failed))
        #expect(table[ConnectionToken(1)]?.lastFailedSubflow?.error == 111)
        _ = table.apply(.removed(token: ConnectionToken(1), id: AddressID(3)))
        #expect(table[ConnectionToken(1)]?.subflows.count == 1)
        #expect(table[ConnectionToken(1)]?.announcedByPeer.isEmpty == true)
    }
}

@Suite struct NetworkStateTests {
    let up: UInt32 = 0x1 | 0x40

    func link(_ i: Int32, _ name: String, flags: UInt32, carrier: Bool? = true) -> RouteNetlinkMessage {
        .newLink(LinkMessage(index: InterfaceIndex(i), name: name, flags: flags, carrier: carrier))
    }

    func addr(_ text: String, _ i: Int32, flags: UInt32 = 0) -> RouteNetlinkMessage {
        .newAddress(
            AddressMessage(interface: InterfaceIndex(i), address: IPAddress(text)!, prefixLength: 24, flags: flags))
    }

    @Test func aDownLinkTakesItsAddressesOutOfTheUsableSetWithoutAnAddressRemoval() {
        var net = NetworkState()
        _ = net.apply(link(2, "eth0", flags: up))
        #expect(net.apply(addr("198.18.1.1", 2)).count == 1)
        let events = net.apply(link(2, "eth0", flags: 0x1))  // up but not running
        #expect(events.count == 2)
        if case .localAddressUnavailable(let a) = events.last {
            #expect(a.address == IPAddress("198.18.1.1"))
        } else {
            Issue.record("\(events)")
        }
        #expect(net.usable.isEmpty)
        #expect(
            net.apply(link(2, "eth0", flags: up)).contains(
                .localAddressAvailable(
                    LocalAddress(address: IPAddress("198.18.1.1")!, interface: InterfaceIndex(2), prefixLength: 24))))
    }

    @Test func lostCarrierMakesAddressesUnusable() {
        var net = NetworkState()
        _ = net.apply(link(2, "eth0", flags: up))
        _ = net.apply(addr("198.18.1.1", 2))
        _ = net.apply(link(2, "eth0", flags: up, carrier: false))
        #expect(net.usable.isEmpty)
    }

    @Test func skipsLoopbackLinkLocalAndTentativeAddressesByDefault() {
        var net = NetworkState()
        _ = net.apply(link(1, "lo", flags: up | 0x8))
        _ = net.apply(link(2, "eth0", flags: up))
        _ = net.apply(addr("127.0.0.1", 1))
        _ = net.apply(addr("169.254.1.1", 2))
        _ = net.apply(addr("fe80::1", 2))
        _ = net.apply(addr("2001:db8::1", 2, flags: 0x40))  // IFA_F_TENTATIVE
        #expect(net.usable.isEmpty)
        _ = net.apply(addr("2001:db8::1", 2, flags: 0))  // DAD done
        #expect(net.usable.count == 1)
    }

    @Test func honoursInterfaceAllowAndDenyPatterns() {
        var filter = AddressFilter()
        filter.denyInterfaces = ["docker*", "veth?"]
        var net = NetworkState(filter: filter)
        for (i, name) in [(2, "docker0"), (3, "veth1"), (4, "veth10"), (5, "eth0")] {
            _ = net.apply(link(Int32(i), name, flags: up))
            _ = net.apply(addr("198.18.\(i).1", Int32(i)))
        }
        #expect(Set(net.usable.map(\.interface.rawValue)) == [4, 5])
    }

    @Test func aResyncRemovesWhatTheNewDumpNoLongerLists() {
        var net = NetworkState()
        _ = net.apply(link(2, "eth0", flags: up))
        _ = net.apply(link(3, "wlan0", flags: up))
        _ = net.apply(addr("198.18.1.1", 2))
        _ = net.apply(addr("198.18.2.1", 3))
        _ = net.apply(addr("198.18.2.7", 3))
        net.beginResync()
        // The re-dump lists eth0 and wlan0 but only one of wlan0's addresses.
        _ = net.apply(link(2, "eth0", flags: up))
        _ = net.apply(link(3, "wlan0", flags: up))
        _ = net.apply(addr("198.18.1.1", 2))
        _ = net.apply(addr("198.18.2.1", 3))
        let events = net.endResync()
        #expect(
            events == [
                .localAddressUnavailable(
                    LocalAddress(address: IPAddress("198.18.2.7")!, interface: InterfaceIndex(3), prefixLength: 24))
            ])
        #expect(net.usable.count == 2)
        net.beginResync()
        _ = net.apply(link(2, "eth0", flags: up))
        _ = net.apply(addr("198.18.1.1", 2))
        let gone = net.endResync()
        #expect(
            gone.contains(
                .interfaceRemoved(NetworkInterface(index: InterfaceIndex(3), name: "wlan0", flags: up, carrier: true))))
        #expect(net.usable.map(\.interface) == [InterfaceIndex(2)] && net.interfaces.count == 1)
    }

    @Test func aRemovedLinkRemovesItsAddresses() {
        var net = NetworkState()
        _ = net.apply(link(2, "eth0", flags: up))
        _ = net.apply(addr("198.18.1.1", 2))
        let events = net.apply(.deleteLink(LinkMessage(index: InterfaceIndex(2), name: "eth0", flags: 0)))
        #expect(events.count == 2 && net.usable.isEmpty && net.interfaces.isEmpty)
    }
}

@Suite struct PathManagerTests {
    @Test func commandsForAnUnknownConnectionFailWithoutReachingTheKernel() throws {
        let h = try Harness()
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.event(.closed(ConnectionToken(1)))
        #expect(h.manager.connections.count == 0)
        let sent = h.kernel.commands.count
        // A late retry timer must not reach the kernel for a closed connection.
        h.scheduler.advance(byMilliseconds: 120_000)
        #expect(h.kernel.commands.count == sent)
    }

    @Test func dropsConnectionsTheKernelNoLongerKnowsWithoutACloseEvent() throws {
        let h = try Harness()
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.establish(h.connection(2, from: "198.18.1.1", 40002, to: "198.18.1.2"))
        h.manager.startLivenessChecks(intervalMilliseconds: 30_000)
        h.scheduler.advance(byMilliseconds: 30_000)
        #expect(h.manager.connections.count == 2)
        h.kernel.connections.remove(ConnectionToken(1))  // fast-closed: no CLOSED event
        h.scheduler.advance(byMilliseconds: 30_000)
        #expect(h.manager.connections.count == 1 && h.manager.connections[ConnectionToken(2)] != nil)
        #expect(h.manager.counters.connectionsVanished == 1)
    }

    @Test func countsEventsAndFailures() throws {
        let h = try Harness()
        h.twoInterfaces()
        h.kernel.forcedFailures = [({ _ in true }, KernelError(code: .invalidArgument, message: "invalid token"))]
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        #expect(h.manager.counters.events["ESTABLISHED"] == 1)
        #expect(h.manager.counters.commandErrors[22] == 1)
        h.manager.eventsLost()
        #expect(h.manager.counters.eventOverruns == 1 && h.manager.connections[ConnectionToken(1)]?.stale == true)
    }
}
