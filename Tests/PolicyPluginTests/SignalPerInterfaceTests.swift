import MPTCPWire
import SignalPerInterfacePolicy
import SubflowCore
import SubflowPolicy
import Testing

@testable import PathManagerHarness
@testable import SubflowTestSupport

/// signal-per-interface against the simulated kernel: what it announces, when, and what it
/// does when addresses come and go. Times are the manual clock's milliseconds.
@Suite struct SignalPerInterfaceTests {
    @Test func announcesTheLowestAddressOfEachOtherInterfaceOnceEstablished() throws {
        let h = try Harness(signalPerInterface: [:])
        h.serverHost()
        h.address("198.18.2.9", on: 3); h.address("198.18.2.3", on: 3)  // srv-b: .2, .3, .9 → .2
        h.address("198.18.1.7", on: 2)  // the initial interface: never announced
        h.kernel.connections.insert(ConnectionToken(1))
        h.event(.created(h.serverConnection(1)))
        #expect(h.announcements.isEmpty, "CREATED is too early for ANNOUNCE")
        h.event(.established(h.serverConnection(1)))
        h.scheduler.advance(byMilliseconds: 1000)
        #expect(h.announcements == ["1 198.18.2.2 id=1 dev=3 port=0", "1 198.18.3.2 id=2 dev=4 port=0"])
        guard case .announce(_, let entry) = h.kernel.commands.first else { Issue.record("no announce"); return }
        #expect(entry.flags.contains(.signal) && entry.family == .ipv4)
    }

    @Test func ipv6ConnectionsGetIPv6AddressesAndIPv4OnesIPv4() throws {
        let h = try Harness(signalPerInterface: [:])
        h.serverHost()
        h.establish(h.serverConnection(1, local: "2001:db8:1::2", remote: "2001:db8:1::1"))
        h.establish(h.serverConnection(2))
        h.scheduler.advance(byMilliseconds: 1000)
        #expect(
            h.announcements.filter { $0.hasPrefix("1 ") } == [
                "1 2001:db8:2::2 id=1 dev=3 port=0", "1 2001:db8:3::2 id=2 dev=4 port=0",
            ])
        #expect(
            h.announcements.filter { $0.hasPrefix("2 ") } == [
                "2 198.18.2.2 id=1 dev=3 port=0", "2 198.18.3.2 id=2 dev=4 port=0",
            ])
    }

    @Test func aV4MappedConnectionIsAnnouncedIPv4Addresses() throws {
        let h = try Harness(signalPerInterface: [:])
        h.serverHost()
        h.establish(h.serverConnection(1, local: "::ffff:198.18.1.2", remote: "::ffff:198.18.1.1"))
        h.scheduler.advance(byMilliseconds: 1000)
        #expect(h.announcements == ["1 198.18.2.2 id=1 dev=3 port=0", "1 198.18.3.2 id=2 dev=4 port=0"])
    }

    @Test func announcementsOfOneConnectionArePacedByTheInterval() throws {
        let h = try Harness(signalPerInterface: ["announce-interval-ms": "250"])
        h.serverHost(paths: 4)
        h.establish(h.serverConnection(1))
        h.establish(h.serverConnection(2))
        // Each connection sends its first at once: the kernel's limit is per connection.
        #expect(h.announcements == ["1 198.18.2.2 id=1 dev=3 port=0", "2 198.18.2.2 id=1 dev=3 port=0"])
        h.scheduler.advance(byMilliseconds: 249)
        #expect(h.announcements.count == 2)
        h.scheduler.advance(byMilliseconds: 1)
        #expect(h.announcements.count == 4)
        h.scheduler.advance(byMilliseconds: 250)
        #expect(h.announcements.count == 6)
        h.scheduler.advance(byMilliseconds: 10_000)
        #expect(h.announcements.count == 6, "one per interface, no repeats")
    }

    @Test func aDroppedAnnouncementIsSentAgainUnderTheSameID() throws {
        let h = try Harness(signalPerInterface: [:])
        h.serverHost()
        let once = Once()
        // subflowd's drop check answers EAGAIN when the kernel acked but dropped the ADD_ADDR.
        h.kernel.forcedFailures = [
            (
                matches: { if case .announce = $0 { return once.first() } else { return false } },
                error: KernelError(code: .tryAgain, message: "subflowd: the kernel dropped this ADD_ADDR")
            )
        ]
        h.establish(h.serverConnection(1))
        #expect(h.announcements == ["1 198.18.2.2 id=1 dev=3 port=0"])
        h.scheduler.advance(byMilliseconds: 100)
        #expect(
            h.announcements == ["1 198.18.2.2 id=1 dev=3 port=0", "1 198.18.2.2 id=1 dev=3 port=0"],
            "the retry goes first")
        h.scheduler.advance(byMilliseconds: 100)
        #expect(h.announcements.last == "1 198.18.3.2 id=2 dev=4 port=0")
    }

    @Test func aDroppedAnnouncementWithdrawnBeforeItsRetryIsRemovedNotSentAgain() throws {
        let h = try Harness(signalPerInterface: [:])
        h.serverHost(paths: 2)
        let once = Once()
        h.kernel.forcedFailures = [
            (
                matches: { if case .announce = $0 { return once.first() } else { return false } },
                error: KernelError(code: .tryAgain, message: "dropped")
            )
        ]
        h.establish(h.serverConnection(1))
        h.removeAddress("198.18.2.2", on: 3)  // the kernel still lists it and may retransmit it: RM_ADDR
        h.scheduler.advance(byMilliseconds: 1000)
        #expect(h.announcements == ["1 198.18.2.2 id=1 dev=3 port=0"])
        #expect(h.removals == ["1 id=1"])
    }

    @Test func givesUpOnAnAnnouncementDroppedTooOften() throws {
        let h = try Harness(signalPerInterface: ["announce-retries": "2"])
        h.serverHost(paths: 2)
        h.kernel.forcedFailures = [
            (
                matches: { if case .announce = $0 { return true } else { return false } },
                error: KernelError(code: .tryAgain, message: "dropped")
            )
        ]
        h.establish(h.serverConnection(1))
        h.scheduler.advance(byMilliseconds: 10_000)
        #expect(h.announcements.count == 3, "the first try and two retries")
    }

    @Test func aLostAddressIsRemovedAndItsSubflowsClosedAndItsReturnAnnouncedUnderTheSameID() throws {
        let h = try Harness(signalPerInterface: [:])
        h.serverHost()
        h.establish(h.serverConnection(1))
        h.scheduler.advance(byMilliseconds: 1000)
        // The peer joined the announced address on srv-b.
        h.event(.subflowEstablished(h.subflow(1, "198.18.2.2", 5201, "198.18.2.1", 40001, localID: 1)))

        h.link(3, "srv-b", up: false)  // carrier lost: no RTM_DELADDR, the address is unusable all the same
        #expect(h.removals == ["1 id=1"])
        #expect(h.destroys == ["198.18.2.2:5201>198.18.2.1:40001"], "REMOVE does not close local subflows")
        // REMOVE first: SUBFLOW_DESTROY deletes the kernel's entry for the address, after which
        // REMOVE would find nothing and send no RM_ADDR.
        let order = h.kernel.commands.compactMap { command -> String? in
            switch command {
            case .remove: return "remove"
            case .subflowDestroy: return "destroy"
            default: return nil
            }
        }
        #expect(order == ["remove", "destroy"])

        h.link(3, "srv-b", up: true)
        h.scheduler.advance(byMilliseconds: 1000)
        #expect(h.announcements.suffix(1) == ["1 198.18.2.2 id=1 dev=3 port=0"])
        #expect(h.announcements.count == 3)
    }

    @Test func removalsArePacedLikeAnnouncements() throws {
        let h = try Harness(signalPerInterface: [:])
        h.serverHost()
        h.establish(h.serverConnection(1))
        h.scheduler.advance(byMilliseconds: 1000)
        h.removeAddress("198.18.2.2", on: 3)
        h.removeAddress("198.18.3.2", on: 4)
        #expect(h.removals == ["1 id=1"])
        h.scheduler.advance(byMilliseconds: 100)
        #expect(h.removals == ["1 id=1", "1 id=2"])
    }

    @Test func anAnnouncementStillQueuedIsDroppedRatherThanRemoved() throws {
        let h = try Harness(signalPerInterface: [:])
        h.serverHost()
        h.establish(h.serverConnection(1))
        #expect(h.announcements.count == 1)
        h.removeAddress("198.18.3.2", on: 4)  // still waiting its turn: the peer never heard of it
        h.scheduler.advance(byMilliseconds: 1000)
        #expect(h.announcements == ["1 198.18.2.2 id=1 dev=3 port=0"])
        #expect(h.removals.isEmpty)
    }

    @Test func theChoiceIsStableWhenALowerAddressAppears() throws {
        let h = try Harness(signalPerInterface: [:])
        h.serverHost(paths: 2)
        h.establish(h.serverConnection(1))
        h.address("198.18.2.1", on: 3)
        h.scheduler.advance(byMilliseconds: 1000)
        #expect(h.announcements == ["1 198.18.2.2 id=1 dev=3 port=0"])
        #expect(h.removals.isEmpty)
        // The next connection takes the lowest address usable now.
        h.establish(h.serverConnection(2))
        #expect(h.announcements.last == "2 198.18.2.1 id=1 dev=3 port=0")
    }

    @Test func aNewInterfaceIsAnnouncedToRunningConnections() throws {
        let h = try Harness(signalPerInterface: [:])
        h.serverHost(paths: 2)
        h.establish(h.serverConnection(1))
        h.link(4, "srv-c"); h.address("198.18.3.2", on: 4)
        h.scheduler.advance(byMilliseconds: 1000)
        #expect(h.announcements == ["1 198.18.2.2 id=1 dev=3 port=0", "1 198.18.3.2 id=2 dev=4 port=0"])
    }

    @Test func aReloadedPolicyTakesOverWhatWasAnnouncedWithoutAnnouncingItAgain() throws {
        let h = try Harness(signalPerInterface: [:])
        h.serverHost()
        h.establish(h.serverConnection(1))
        h.scheduler.advance(byMilliseconds: 150)
        #expect(h.announcements.count == 2)
        h.removeAddress("198.18.3.2", on: 4)  // its REMOVE waits for the pacing interval…
        #expect(h.removals.isEmpty)
        // …when a configuration reload replaces the policy instance (the old one's timers go).
        let registration = PolicyRegistration(name: "signal-per-interface", summary: "test") { context, settings in
            try SignalPerInterface(context: context, settings: SignalPerInterface.Settings(settings))
        }
        try h.manager.replacePolicies([(registration, PolicySettings(), "test")], selection: PolicySelection())
        h.scheduler.advance(byMilliseconds: 1000)
        #expect(h.announcements.count == 2, "198.18.2.2 is still announced: no second ADD_ADDR")
        #expect(h.removals == ["1 id=2"])
    }

    @Test func closingAConnectionStopsItsSignals() throws {
        let h = try Harness(signalPerInterface: [:])
        h.serverHost()
        h.establish(h.serverConnection(1))
        h.event(.closed(ConnectionToken(1)))
        h.scheduler.advance(byMilliseconds: 1000)
        #expect(h.announcements.count == 1)
        #expect(h.scheduler.pendingCount == 0, "no timer left behind")
    }

    @Test func badSettingsAreRefusedWithTheKey() throws {
        for (key, value) in [
            ("announce-interval-ms", "-1"), ("announce-interval-ms", "fast"), ("announce-retries", "99"),
        ] {
            #expect(throws: PolicySettingError.self, "\(key)=\(value)") {
                _ = try SignalPerInterface.Settings(PolicySettings([key: value]))
            }
        }
        let settings = try SignalPerInterface.Settings(
            PolicySettings(["announce-interval-ms": "20", "announce-retries": "0"]))
        #expect(settings.intervalMilliseconds == 20 && settings.retries == 0)
        #expect(settings.retryDelay(attempt: 1) == 50 && settings.retryDelay(attempt: 3) == 200)
    }
}

/// True the first time only.
final class Once {
    private var used = false
    func first() -> Bool { defer { used = true }; return !used }
}
