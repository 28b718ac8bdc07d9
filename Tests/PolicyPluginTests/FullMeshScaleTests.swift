import Foundation
import MPTCPWire
import SubflowCore
import SubflowPolicy
import Testing

@testable import PathManagerHarness
@testable import SubflowTestSupport

/// issue 8: the daemon must work with 100,000 tracked connections, each with pending join
/// timers. The PathManager and fullmesh as the daemon runs them, on the simulated kernel and a
/// manual clock. Timing and memory figures are in bench/connections.sh, not here.
@Suite struct FullMeshScaleTests {
    /// 100,000 as issue 8 requires; bench/connections.sh runs it at other sizes to tell the
    /// per-connection cost from the fixed one (an even number, at least 4).
    static let connections =
        ProcessInfo.processInfo.environment["SUBFLOWD_SCALE_CONNECTIONS"].flatMap { Int($0) }
        .map { max(4, $0 / 4 * 4) } ?? 100_000
    static let serverSecond = SocketEndpoint(IPAddress("198.18.2.2")!, port: 443)

    @Test func aHundredThousandConnectionsEachGetTheirMeshAndReleaseTheirStateOnClose() throws {
        let h = try Harness()
        h.twoInterfaces()
        let tokens = 1...UInt32(Self.connections)
        // Events are built from parsed addresses once: the harness's string helpers would cost
        // more than the path manager itself.
        let client = IPAddress("198.18.1.1")!, server = SocketEndpoint(IPAddress("198.18.1.2")!, port: 443)
        for token in tokens {
            let local = SocketEndpoint(client, port: UInt16(truncatingIfNeeded: 10_000 + token % 50_000))
            h.establish(
                ConnectionEventInfo(
                    token: ConnectionToken(token), local: local, remote: server,
                    localID: .initial, remoteID: .initial, serverSide: false, denyJoinInitialEndpoint: false))
            h.event(.announced(token: ConnectionToken(token), id: AddressID(1), endpoint: Self.serverSecond))
        }
        // 2 local × 2 remote addresses: 3 joins besides the initial subflow, each with its timer.
        let creates = h.kernel.commands.compactMap { command -> (UInt32, AddressEntry, AddressEntry)? in
            guard case .subflowCreate(let t, let l, let r) = command else { return nil }
            return (t.rawValue, l, r)
        }
        #expect(creates.count == 3 * Self.connections)
        #expect(h.scheduler.pendingCount >= 3 * Self.connections, "a join timer per pending join")
        #expect(h.manager.connections.count == Self.connections)

        // Even tokens: every join gets established. Odd ones stay pending.
        var port: [UInt32: UInt16] = [:]
        for (token, local, remote) in creates where token % 2 == 0 {
            guard let la = local.address, let ra = remote.address else { continue }
            let next = port[token, default: 50_000]
            port[token] = next + 1
            h.event(
                .subflowEstablished(
                    SubflowEventInfo(
                        token: ConnectionToken(token), local: SocketEndpoint(la, port: next),
                        remote: SocketEndpoint(ra, port: remote.port), localID: local.id ?? .initial,
                        remoteID: AddressID(ra == Self.serverSecond.address ? 1 : 0),
                        backup: false, error: nil)))
        }
        var meshed = 0
        for token in tokens where token % 2 == 0 {
            let subflows = try #require(h.manager.connections[ConnectionToken(token)]).subflows
            if Set(subflows.map { "\($0.local.address)>\($0.remote.address)" }).count == 4 && subflows.count == 4 {
                meshed += 1
            }
        }
        #expect(meshed == Self.connections / 2, "every answered connection has its 2 × 2 mesh")
        #expect(h.scheduler.pendingCount == 3 * Self.connections / 2, "the answered joins' timers are cancelled")

        // Close every odd connection (joins still pending) and a quarter of the even ones.
        for token in tokens where token % 2 == 1 || token % 4 == 0 { h.event(.closed(ConnectionToken(token))) }
        #expect(h.manager.connections.count == Self.connections / 4)
        #expect(h.scheduler.pendingCount == 0, "closing a connection cancels its join timers")
        // Nothing the closed connections left behind makes fullmesh act on them again.
        let sent = h.kernel.commands.count
        h.scheduler.advance(byMilliseconds: 600_000)
        #expect(h.kernel.commands.count == sent)
    }
}
