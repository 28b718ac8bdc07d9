import Foundation
import InMemoryLogging
import Logging
import MPTCPWire
import SubflowConfiguration
import SubflowCore
import SubflowPolicy
import Testing

@testable import PathManagerHarness
@testable import SubflowTestSupport

/// backup-on-loss against the simulated kernel and a manual clock: eth0 (index 2) is the
/// primary interface, wwan0 (index 3) the backup; the peer is 198.18.1.2 / 2001:db8:1::2.
@Suite struct BackupOnLossTests {
    static let hold: UInt64 = 1000

    /// A harness with both interfaces up, each with an IPv4 and an IPv6 address.
    func harness(
        _ mode: String = "standby", _ extra: [String: String] = [:], log: InMemoryLogHandler? = nil
    ) throws -> Harness {
        var settings = ["primary": "eth*", "backup": "wwan?", "mode": mode, "hold-time-ms": String(Self.hold)]
        settings.merge(extra) { $1 }
        let h = try Harness(
            backupOnLoss: settings, logger: log.map { handler in Logger(label: "test") { _ in handler } })
        h.link(2, "eth0"); h.link(3, "wwan0")
        h.address("198.18.1.1", on: 2); h.address("198.18.2.1", on: 3)
        h.address("2001:db8:1::1", on: 2, prefix: 64); h.address("2001:db8:2::1", on: 3, prefix: 64)
        return h
    }

    /// Connection 1 from eth0 to the peer, with (standby) its backup subflow established.
    func runningConnection(_ h: Harness, mode: String = "standby") {
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        if mode == "standby" { h.event(.subflowEstablished(h.joined(1, "198.18.2.1", 50000, "198.18.1.2"))) }
    }

    // MARK: Standby and on-demand while the primary works

    @Test func standbyOpensABackupSubflowWithTheBackupFlagOnceEstablished() throws {
        let h = try harness()
        h.kernel.connections.insert(ConnectionToken(1))
        h.event(.created(h.connection(1, from: "198.18.1.1", to: "198.18.1.2")))
        #expect(h.sent.isEmpty, "nothing before ESTABLISHED: the kernel refuses joins then")
        h.event(.established(h.connection(1, from: "198.18.1.1", to: "198.18.1.2")))
        #expect(h.sent == ["create 198.18.2.1>198.18.1.2:443 backup dev 3"])
        h.event(.subflowEstablished(h.joined(1, "198.18.2.1", 50000, "198.18.1.2")))
        #expect(h.sent.count == 1, "already flagged: no SET_FLAGS")
    }

    @Test func onDemandOpensNothingWhileThePrimaryWorks() throws {
        let h = try harness("on-demand")
        runningConnection(h, mode: "on-demand")
        h.scheduler.advance(byMilliseconds: 60_000)
        #expect(h.sent.isEmpty)
    }

    @Test func backupPatternsWinSoPrimaryStarMeansEverythingElse() throws {
        let h = try harness("standby", ["primary": "*", "backup": "wwan0"])
        runningConnection(h)
        #expect(h.sent == ["create 198.18.2.1>198.18.1.2:443 backup dev 3"])
    }

    // MARK: Failover

    enum LossKind: String, CaseIterable, Sendable { case linkDown, carrierLost, addressRemoved, subflowError }

    func lose(_ h: Harness, _ kind: LossKind) {
        switch kind {
        case .linkDown: h.link(2, "eth0", up: false)
        case .carrierLost: h.linkState(2, "eth0", up: true, carrier: false)
        case .addressRemoved: h.removeAddress("198.18.1.1", on: 2)
        case .subflowError:
            h.event(.subflowClosed(h.joined(1, "198.18.1.1", 40000, "198.18.1.2", localID: 0, error: 110)))
        }
    }

    @Test(arguments: LossKind.allCases)
    func standbyFailoverClearsTheBackupFlagAtOnceThenClosesTheDeadPrimary(kind: LossKind) throws {
        let log = InMemoryLogHandler()
        let h = try harness(log: log)
        runningConnection(h)
        let before = h.sent.count
        lose(h, kind)
        var expected = ["set 198.18.2.1:50000>198.18.1.2:443 backup=0"]
        // A subflow that closed by itself is gone already; otherwise the dead one is closed.
        if kind != .subflowError { expected.append("destroy 198.18.1.1:40000>198.18.1.2:443") }
        #expect(Array(h.sent.dropFirst(before)) == expected)
        let reason = [
            "linkDown": "link eth0 down", "carrierLost": "carrier lost on eth0",
            "addressRemoved": "address 198.18.1.1 removed from eth0", "subflowError": "ETIMEDOUT",
        ][kind.rawValue]!
        #expect(log.contains("primary path lost (") && log.contains(reason), "\(log.lines)")
    }

    @Test(arguments: [LossKind.linkDown, .subflowError])
    func onDemandFailoverOpensTheBackupAtOnceThenClosesTheDeadPrimary(kind: LossKind) throws {
        let h = try harness("on-demand")
        runningConnection(h, mode: "on-demand")
        lose(h, kind)
        var expected = ["create 198.18.2.1>198.18.1.2:443 dev 3"]
        if kind == .linkDown { expected.append("destroy 198.18.1.1:40000>198.18.1.2:443") }
        #expect(h.sent == expected)
    }

    @Test func everyConnectionFailsOverEachInItsOwnFamily() throws {
        let h = try harness()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.establish(h.connection(2, from: "2001:db8:1::1", to: "2001:db8:1::2"))
        #expect(
            h.sent == [
                "create 198.18.2.1>198.18.1.2:443 backup dev 3",
                "create 2001:db8:2::1>[2001:db8:1::2]:443 backup dev 3",
            ])
        h.event(.subflowEstablished(h.joined(1, "198.18.2.1", 50000, "198.18.1.2")))
        h.event(.subflowEstablished(h.joined(2, "2001:db8:2::1", 50001, "2001:db8:1::2")))
        h.link(2, "eth0", up: false)
        #expect(
            Set(h.sent.dropFirst(2)) == [
                "set 198.18.2.1:50000>198.18.1.2:443 backup=0", "destroy 198.18.1.1:40000>198.18.1.2:443",
                "set [2001:db8:2::1]:50001>[2001:db8:1::2]:443 backup=0",
                "destroy [2001:db8:1::1]:40000>[2001:db8:1::2]:443",
            ])
    }

    @Test func aBackupJoinStillOnItsWayWhenThePrimaryIsLostLosesItsFlagOnArrival() throws {
        let h = try harness()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.link(2, "eth0", up: false)
        #expect(h.sent == ["create 198.18.2.1>198.18.1.2:443 backup dev 3", "destroy 198.18.1.1:40000>198.18.1.2:443"])
        h.event(.subflowEstablished(h.joined(1, "198.18.2.1", 50000, "198.18.1.2")))
        #expect(h.sent.last == "set 198.18.2.1:50000>198.18.1.2:443 backup=0")
    }

    // MARK: Restore and hold time

    @Test func standbyRestoresThePrimaryAfterTheHoldTimeThenFlagsTheBackupAgain() throws {
        let log = InMemoryLogHandler()
        let h = try harness(log: log)
        runningConnection(h)
        h.link(2, "eth0", up: false)
        let afterFailover = h.sent.count
        h.scheduler.advance(byMilliseconds: 5000)
        h.link(2, "eth0", up: true)
        h.scheduler.advance(byMilliseconds: Self.hold - 1)
        #expect(h.sent.count == afterFailover, "not before the hold time")
        h.scheduler.advance(byMilliseconds: 1)
        #expect(
            h.sent.last == "create 198.18.1.1>198.18.1.2:443 dev 2",
            "from the primary address to the peer's initial endpoint")
        #expect(log.contains("restoring the primary path: 198.18.1.1 usable for 1000 ms"), "\(log.lines)")
        h.event(.subflowEstablished(h.joined(1, "198.18.1.1", 40100, "198.18.1.2", localID: 0)))
        #expect(h.sent.last == "set 198.18.2.1:50000>198.18.1.2:443 backup=1")
        #expect(log.contains("setting the backup flag on the backup subflows again"))
        // Back in standby: a second loss fails over again.
        h.link(2, "eth0", up: false)
        #expect(
            h.sent.suffix(2) == [
                "set 198.18.2.1:50000>198.18.1.2:443 backup=0", "destroy 198.18.1.1:40100>198.18.1.2:443",
            ])
    }

    @Test func onDemandRestoreClosesTheBackupSubflowOnceThePrimaryIsBack() throws {
        let h = try harness("on-demand")
        runningConnection(h, mode: "on-demand")
        h.link(2, "eth0", up: false)
        h.event(.subflowEstablished(h.joined(1, "198.18.2.1", 50000, "198.18.1.2")))
        h.link(2, "eth0", up: true)
        h.scheduler.advance(byMilliseconds: Self.hold)
        #expect(h.sent.last == "create 198.18.1.1>198.18.1.2:443 dev 2")
        h.event(.subflowEstablished(h.joined(1, "198.18.1.1", 40100, "198.18.1.2", localID: 0)))
        #expect(h.sent.last == "destroy 198.18.2.1:50000>198.18.1.2:443")
        h.event(.subflowClosed(h.joined(1, "198.18.2.1", 50000, "198.18.1.2")))
        h.scheduler.advance(byMilliseconds: 60_000)
        #expect(h.sent.count == 4, "\(h.sent)")
    }

    @Test func aFlappingPrimaryRestartsTheHoldTime() throws {
        let h = try harness()
        runningConnection(h)
        h.link(2, "eth0", up: false)
        let afterFailover = h.sent.count
        h.link(2, "eth0", up: true)
        h.scheduler.advance(byMilliseconds: 600)
        h.link(2, "eth0", up: false)  // down again within the hold time
        h.scheduler.advance(byMilliseconds: 200)
        h.link(2, "eth0", up: true)
        h.scheduler.advance(byMilliseconds: Self.hold - 1)
        #expect(h.sent.count == afterFailover, "the hold time counts from the last return: \(h.sent)")
        h.scheduler.advance(byMilliseconds: 1)
        #expect(h.sent.last == "create 198.18.1.1>198.18.1.2:443 dev 2")
    }

    @Test func aPrimaryJoinThatFailsIsRetriedAfterAnotherHoldTime() throws {
        let h = try harness()
        runningConnection(h)
        lose(h, .subflowError)
        h.scheduler.advance(byMilliseconds: Self.hold)
        #expect(
            h.sent.last == "create 198.18.1.1>198.18.1.2:443 dev 2", "the link stayed up: try again after the hold time"
        )
        h.event(.subflowClosed(h.joined(1, "198.18.1.1", 40100, "198.18.1.2", localID: 0, error: 111)))
        let count = h.sent.count
        h.scheduler.advance(byMilliseconds: Self.hold - 1)
        #expect(h.sent.count == count)
        h.scheduler.advance(byMilliseconds: 1)
        #expect(h.sent.last == "create 198.18.1.1>198.18.1.2:443 dev 2")
    }

    @Test func aConnectionOpenedOnTheBackupMovesToThePrimaryOnceItHasBeenUpForTheHoldTime() throws {
        let h = try harness()
        h.scheduler.advance(byMilliseconds: 400)  // eth0 usable since t=0
        h.establish(h.connection(1, from: "198.18.2.1", to: "198.18.1.2"))
        #expect(h.sent.isEmpty)
        h.scheduler.advance(byMilliseconds: 600)
        #expect(h.sent == ["create 198.18.1.1>198.18.1.2:443 dev 2"])
        h.event(.subflowEstablished(h.joined(1, "198.18.1.1", 50000, "198.18.1.2")))
        #expect(
            h.sent.last == "set 198.18.2.1:40000>198.18.1.2:443 backup=1", "the initial subflow becomes the standby one"
        )
    }

    // MARK: Robustness

    @Test func aRefusedBackupJoinIsRetriedWithBoundedBackoff() throws {
        let h = try harness("on-demand", ["retry-initial-ms": "100", "retry-max-ms": "250"])
        runningConnection(h, mode: "on-demand")
        h.kernel.forcedFailures = [
            (
                {
                    if case .subflowCreate = $0 { return true }; return false
                },
                KernelError(code: .networkUnreachable, message: "connect error: -101")
            )
        ]
        h.link(2, "eth0", up: false)
        var at: [UInt64] = []
        for _ in 0..<80 {
            let before = h.sent.filter { $0.hasPrefix("create") }.count
            h.scheduler.advance(byMilliseconds: 10)
            if h.sent.filter({ $0.hasPrefix("create") }).count > before { at.append(h.scheduler.nowMilliseconds) }
        }
        #expect(at == [100, 300, 550, 800], "100, 200, then 250 ms (capped) between attempts")
        h.kernel.forcedFailures = []
        h.scheduler.advance(byMilliseconds: 250)
        h.event(.subflowEstablished(h.joined(1, "198.18.2.1", 50000, "198.18.1.2")))
        h.scheduler.advance(byMilliseconds: 10_000)
        #expect(h.sent.filter { $0.hasPrefix("create") }.count == 6, "no retry once established")
    }

    @Test func aRefusedFlagChangeIsRetried() throws {
        let h = try harness("standby", ["retry-initial-ms": "100"])
        runningConnection(h)
        h.kernel.forcedFailures = [
            (
                {
                    if case .setFlags = $0 { return true }; return false
                }, KernelError(code: .busy)
            )
        ]
        h.link(2, "eth0", up: false)
        h.kernel.forcedFailures = []
        #expect(h.sent.filter { $0.hasPrefix("set") }.count == 1)
        h.scheduler.advance(byMilliseconds: 100)
        #expect(
            h.sent.filter { $0.hasPrefix("set") } == [
                "set 198.18.2.1:50000>198.18.1.2:443 backup=0",
                "set 198.18.2.1:50000>198.18.1.2:443 backup=0",
            ])
        h.scheduler.advance(byMilliseconds: 10_000)
        #expect(h.sent.filter { $0.hasPrefix("set") }.count == 2, "accepted the second time")
    }

    /// The kernel keeps an unanswered join in SYN_SENT and it cannot be destroyed (no local
    /// port yet): a second join would pile a second subflow on the key, so the retry waits for
    /// the kernel's SUB_CLOSED of the first attempt.
    @Test func anUnansweredBackupJoinIsRetriedOnlyOnceTheKernelClosedIt() throws {
        let h = try harness("standby", ["join-timeout-ms": "2000", "retry-initial-ms": "100"])
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.scheduler.advance(byMilliseconds: 60_000)
        #expect(h.sent == ["create 198.18.2.1>198.18.1.2:443 backup dev 3"])
        h.event(.subflowClosed(h.joined(1, "198.18.2.1", 50000, "198.18.1.2", error: 110)))
        h.scheduler.advance(byMilliseconds: 100)
        #expect(
            h.sent == [
                "create 198.18.2.1>198.18.1.2:443 backup dev 3", "create 198.18.2.1>198.18.1.2:443 backup dev 3",
            ])
    }

    @Test func usesAnAnnouncedAddressWhenThePeerDeniesItsInitialEndpointAndFollowsItsRemoval() throws {
        let h = try harness()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2", denyJoin: true))
        #expect(h.sent.isEmpty, "nowhere to join yet")
        h.event(
            .announced(
                token: ConnectionToken(1), id: AddressID(5),
                endpoint: SocketEndpoint(IPAddress("198.18.3.2")!, port: 443)))
        h.event(
            .announced(
                token: ConnectionToken(1), id: AddressID(6),
                endpoint: SocketEndpoint(IPAddress("198.18.4.2")!, port: 443)))
        #expect(h.sent == ["create 198.18.2.1>198.18.3.2:443 backup dev 3"])
        h.event(.subflowEstablished(h.joined(1, "198.18.2.1", 50000, "198.18.3.2", remoteID: 5)))
        h.event(.removed(token: ConnectionToken(1), id: AddressID(5)))
        #expect(
            h.sent.suffix(2) == [
                "destroy 198.18.2.1:50000>198.18.3.2:443", "create 198.18.2.1>198.18.4.2:443 backup dev 3",
            ])
    }

    @Test func aConnectionOnAnUnlistedInterfaceIsLeftAlone() throws {
        let h = try harness()
        h.link(4, "docker0"); h.address("198.18.9.1", on: 4)
        h.establish(h.connection(1, from: "198.18.9.1", to: "198.18.1.2"))
        h.link(2, "eth0", up: false)
        #expect(h.sent.isEmpty)
    }

    @Test func eventsBeforeEstablishmentAndAfterCloseSendNothing() throws {
        let h = try harness()
        h.kernel.connections.insert(ConnectionToken(1))
        h.event(.created(h.connection(1, from: "198.18.1.1", to: "198.18.1.2")))
        h.link(2, "eth0", up: false); h.link(2, "eth0", up: true)
        h.event(.subflowClosed(h.joined(1, "198.18.1.1", 40000, "198.18.1.2", localID: 0, error: 104)))
        #expect(h.sent.isEmpty)
        h.event(.closed(ConnectionToken(1)))
        h.scheduler.advance(byMilliseconds: 60_000)
        #expect(h.sent.isEmpty && h.scheduler.pendingCount == 0)
    }

    // MARK: Settings

    @Test(
        arguments: [
            ([:], "primary = (missing): expected one or more interface names"),
            (["primary": "eth0"], "backup = (missing): expected"),
            (["primary": "eth0", "backup": "eth0"], "backup = eth0: expected patterns not also listed in primary"),
            (
                ["primary": "eth0", "backup": "wwan0", "mode": "sometimes"],
                "mode = sometimes: expected standby or on-demand"
            ),
            (
                ["primary": "eth0", "backup": "wwan0", "hold-time-ms": "-5"],
                "hold-time-ms = -5: expected a whole number"
            ),
            (
                ["primary": "eth0", "backup": "wwan0", "bind-to-device": "maybe"],
                "bind-to-device = maybe: expected yes or no"
            ),
            (["primary": "eth0", "backup": "a/b"], "backup = a/b: expected"),
            (
                ["primary": "a-very-long-interface-name", "backup": "wwan0"],
                "primary = a-very-long-interface-name: expected"
            ),
        ] as [([String: String], String)])
    func refusesToStartWithABadSettingNamingIt(settings: [String: String], message: String) {
        let error = #expect(throws: PluginLoadError.self) { try Harness(backupOnLoss: settings) }
        #expect(
            error.map { "\($0)".contains("the policy failed to start: \(message)") } == true,
            "\(String(describing: error))")
    }
}

// MARK: - Test support

extension Harness {
    /// Every command sent, one short line each: `create L>R[:P] [backup] [dev N]`,
    /// `destroy L:P>R:P`, `set L:P>R:P backup=0|1`.
    var sent: [String] {
        kernel.commands.map { command in
            switch command {
            case .subflowCreate(_, let l, let r):
                return "create \(l.address!)>\(SocketEndpoint(r.address!, port: r.port))"
                    + (l.flags.contains(.backup) ? " backup" : "") + (l.interface.map { " dev \($0)" } ?? "")
            case .subflowDestroy(_, let l, let r):
                return "destroy \(SocketEndpoint(l.address!, port: l.port))>\(SocketEndpoint(r.address!, port: r.port))"
            case .setFlags(_, let l, let r?):
                return
                    "set \(SocketEndpoint(l.address!, port: l.port))>\(SocketEndpoint(r.address!, port: r.port)) backup=\(l.flags.contains(.backup) ? 1 : 0)"
            default:
                return "\(command)"
            }
        }
    }

    /// A subflow event as the kernel sends it for a join this host opened (bound to the
    /// device of its address; `backup` is the PEER's flag, false here).
    func joined(
        _ token: UInt32, _ local: String, _ localPort: UInt16, _ remote: String, _ remotePort: UInt16 = 443,
        localID: UInt8 = 1, remoteID: UInt8 = 0, error: UInt8? = nil
    ) -> SubflowEventInfo {
        let address = IPAddress(local)!
        let device = localID == 0 ? nil : manager.network.interface(holding: address)?.index
        return SubflowEventInfo(
            token: ConnectionToken(token), local: SocketEndpoint(address, port: localPort),
            remote: SocketEndpoint(IPAddress(remote)!, port: remotePort),
            localID: AddressID(localID), remoteID: AddressID(remoteID),
            interface: device, error: error)
    }

    /// An RTM_NEWLINK with explicit flags and carrier (e.g. up but without carrier).
    func linkState(_ index: Int32, _ name: String, up: Bool, carrier: Bool) {
        let flags: UInt32 = (up ? 0x1 : 0) | (carrier ? 0x40 | 0x10000 : 0)
        manager.handle(.newLink(LinkMessage(index: InterfaceIndex(index), name: name, flags: flags, carrier: carrier)))
        scheduler.runDue()
    }
}

/// The lines the policy logged, as the tests read them (swift-log's in-memory handler keeps
/// them; copies of the handler share one store).
extension InMemoryLogHandler {
    var lines: [String] { entries.map { "\($0.message)" } }
    func contains(_ text: String) -> Bool { lines.contains { $0.contains(text) } }
}
