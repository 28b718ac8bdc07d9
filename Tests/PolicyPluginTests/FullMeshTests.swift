import MPTCPWire
import SubflowConfiguration
import SubflowCore
import SubflowPolicy
import Testing

@testable import PathManagerHarness
@testable import SubflowTestSupport

@Suite struct FullMeshTests {
    @Test func buildsTheMeshToThePeersInitialEndpointOnEstablishment() throws {
        let h = try Harness()
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        // Only the missing pair, same family only, bound to the interface holding the address.
        #expect(h.creates == ["198.18.2.1>198.18.1.2:443"])
        guard case .subflowCreate(_, let local, _) = h.kernel.commands.first else { Issue.record("no create"); return }
        #expect(local.interface == InterfaceIndex(3) && local.id == AddressID(1) && !local.flags.contains(.signal))
    }

    @Test func createsNothingBeforeTheConnectionIsEstablished() throws {
        let h = try Harness()
        h.twoInterfaces()
        h.kernel.connections.insert(ConnectionToken(1))
        h.event(.created(h.connection(1, from: "198.18.1.1", to: "198.18.1.2")))
        #expect(h.kernel.commands.isEmpty)
    }

    @Test func joinsEveryAnnouncedAddress() throws {
        let h = try Harness()
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.completeJoins(token: 1)
        h.event(
            .announced(
                token: ConnectionToken(1), id: AddressID(5),
                endpoint: SocketEndpoint(IPAddress("198.18.2.2")!, port: 443)))
        #expect(h.creates.suffix(2) == ["198.18.1.1>198.18.2.2:443", "198.18.2.1>198.18.2.2:443"])
        // The initial address reuses ID 0; the second keeps the ID it got first.
        let ids = h.kernel.commands.compactMap { cmd -> UInt8? in
            if case .subflowCreate(_, let l, _) = cmd { return l.id?.rawValue } else { return nil }
        }
        #expect(ids == [1, 0, 1])
    }

    @Test func neverJoinsThePeersInitialEndpointWhenItDeniedIt() throws {
        let h = try Harness()
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2", denyJoin: true))
        #expect(h.creates.isEmpty)
        h.event(
            .announced(
                token: ConnectionToken(1), id: AddressID(2),
                endpoint: SocketEndpoint(IPAddress("198.18.2.2")!, port: 443)))
        #expect(h.creates == ["198.18.1.1>198.18.2.2:443", "198.18.2.1>198.18.2.2:443"])
    }

    @Test func ipv6ConnectionsUseOnlyIPv6Addresses() throws {
        let h = try Harness()
        h.twoInterfaces()
        h.establish(h.connection(1, from: "2001:db8:1::1", to: "2001:db8:1::2"))
        #expect(h.creates == ["2001:db8:2::1>[2001:db8:1::2]:443"])
    }

    @Test func aNewLocalAddressJoinsEveryConnection() throws {
        let h = try Harness()
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.establish(h.connection(2, from: "198.18.1.1", 40001, to: "198.18.1.2"))
        h.completeJoins(token: 1); h.completeJoins(token: 2, startingPort: 51000)
        let before = h.creates.count
        h.link(4, "eth2"); h.address("198.18.3.1", on: 4)
        #expect(h.creates.dropFirst(before).sorted() == ["198.18.3.1>198.18.1.2:443", "198.18.3.1>198.18.1.2:443"])
        #expect(h.kernel.commands.suffix(2).map { $0.token?.rawValue } == [1, 2])
    }

    @Test func aLostLinkDestroysItsSubflowsAtOnceAndItsReturnRebuildsThem() throws {
        let h = try Harness()
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.completeJoins(token: 1)
        // Carrier lost: the kernel keeps the IPv4 address and sends no RTM_DELADDR.
        h.link(3, "wlan0", up: false)
        #expect(h.destroys == ["198.18.2.1:50000>198.18.1.2:443"])
        #expect(h.manager.connections[ConnectionToken(1)]?.subflows.count == 1)
        h.link(3, "wlan0", up: true)
        #expect(h.creates == ["198.18.2.1>198.18.1.2:443", "198.18.2.1>198.18.1.2:443"])
    }

    @Test func aPeerRemovalClosesTheSubflowsToThatAddress() throws {
        let h = try Harness()
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.event(
            .announced(
                token: ConnectionToken(1), id: AddressID(7),
                endpoint: SocketEndpoint(IPAddress("198.18.2.2")!, port: 443)))
        h.event(.subflowEstablished(h.subflow(1, "198.18.1.1", 50001, "198.18.2.2", 443, localID: 0, remoteID: 7)))
        h.event(.removed(token: ConnectionToken(1), id: AddressID(7)))
        #expect(h.destroys == ["198.18.1.1:50001>198.18.2.2:443"])
    }

    @Test func retriesAFailedJoinWithBoundedExponentialBackoff() throws {
        let h = try Harness(fullmesh: ["retry-limit": "3", "retry-initial-ms": "100", "retry-max-ms": "250"])
        h.twoInterfaces()
        h.kernel.forcedFailures = [
            (
                {
                    if case .subflowCreate = $0 { return true }; return false
                },
                KernelError(code: .addressNotAvailable, message: "connect error: -99")
            )
        ]
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        #expect(h.creates.count == 1)
        var retries: [UInt64] = []
        for _ in 0..<300 {
            let before = h.creates.count
            h.scheduler.advance(byMilliseconds: 10)
            if h.creates.count > before { retries.append(h.scheduler.nowMilliseconds) }
        }
        // Delays of 100, 200, then 250 (capped) after each failure; then it gives up.
        #expect(retries == [100, 300, 550])
        #expect(h.scheduler.pendingCount == 0)
    }

    @Test func aSubflowThatClosesWithAnErrorIsRetriedWhileItsPathIsUsable() throws {
        let h = try Harness(fullmesh: ["retry-initial-ms": "100"])
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.event(.subflowClosed(h.subflow(1, "198.18.2.1", 50000, "198.18.1.2", 443, error: 111)))
        #expect(h.creates.count == 1)
        h.scheduler.advance(byMilliseconds: 100)
        #expect(h.creates.count == 2)
        // The path is lost meanwhile: no further retry.
        h.event(.subflowClosed(h.subflow(1, "198.18.2.1", 50001, "198.18.1.2", 443, error: 111)))
        h.removeAddress("198.18.2.1", on: 3)
        h.scheduler.advance(byMilliseconds: 60_000)
        #expect(h.creates.count == 2)
    }

    /// A timed-out join stays the pair's attempt (the kernel keeps it in SYN_SENT); the pair is
    /// retried once the kernel closes it. More in FullMeshJoinAttemptTests.
    @Test func anUnansweredJoinIsRetriedOnceTheKernelClosesIt() throws {
        let h = try Harness(fullmesh: ["join-timeout-ms": "1000", "retry-initial-ms": "100"])
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.scheduler.advance(byMilliseconds: 60_000)
        #expect(h.creates.count == 1)
        h.event(.subflowClosed(h.subflow(1, "198.18.2.1", 50000, "198.18.1.2", 443, error: 110)))
        h.scheduler.advance(byMilliseconds: 100)
        #expect(h.creates.count == 2)
    }

    @Test func respectsMaxSubflows() throws {
        let h = try Harness(fullmesh: ["max-subflows": "2"])
        h.twoInterfaces()
        h.link(4, "eth2"); h.address("198.18.3.1", on: 4)
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        #expect(h.creates.count == 1)
    }

    @Test func serverSideConnectionsDoNotJoinTheClientsEphemeralPort() throws {
        let h = try Harness()
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", 443, to: "198.18.1.9", 40000, server: true))
        #expect(h.creates.isEmpty)
    }

    @Test(arguments: [("max-subflows", "lots"), ("retry-limit", "-1"), ("bind-to-device", "maybe")])
    func refusesToStartWithABadSettingNamingIt(key: String, value: String) {
        let error = #expect(throws: PluginLoadError.self) { try Harness(fullmesh: [key: value]) }
        #expect(
            error.map { "\($0)".contains("the policy failed to start: \(key) = \(value): expected") } == true,
            "\(String(describing: error))")
    }
}
