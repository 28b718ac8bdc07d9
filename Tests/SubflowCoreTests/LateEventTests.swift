import MPTCPWire
import SubflowCore
import SubflowPolicy
import Testing

@testable import PathManagerHarness
@testable import SubflowTestSupport

/// The kernel can send ESTABLISHED (and ANNOUNCED) after CLOSED for a connection that ended
/// right after its handshake: such late events must not bring the connection back.
@Suite struct LateEventTests {
    func info(_ token: UInt32) -> ConnectionEventInfo {
        ConnectionEventInfo(
            token: ConnectionToken(token), local: SocketEndpoint(IPAddress("198.18.1.1")!, port: 40000),
            remote: SocketEndpoint(IPAddress("198.18.1.2")!, port: 443))
    }

    @Test func establishedAfterClosedDoesNotReviveTheConnection() {
        var table = ConnectionTable()
        _ = table.apply(.created(info(7)))
        _ = table.apply(.closed(ConnectionToken(7)))
        #expect(table.apply(.established(info(7))) == .afterClose(ConnectionToken(7)))
        #expect(
            table.apply(
                .announced(
                    token: ConnectionToken(7), id: AddressID(1),
                    endpoint: SocketEndpoint(IPAddress("198.18.2.2")!, port: 0))) == .afterClose(ConnectionToken(7)))
        #expect(table.count == 0)
    }

    @Test func aCreatedForARememberedTokenIsANewConnection() {
        var table = ConnectionTable()
        _ = table.apply(.created(info(7)))
        _ = table.apply(.closed(ConnectionToken(7)))
        _ = table.apply(.created(info(7)))
        #expect(table.count == 1)
        _ = table.apply(.established(info(7)))
        #expect(table[ConnectionToken(7)]?.established == true)
    }

    @Test func aConnectionDroppedByALivenessCheckStaysDropped() {
        var table = ConnectionTable()
        _ = table.apply(.created(info(7)))
        _ = table.drop(ConnectionToken(7))
        #expect(table.apply(.established(info(7))) == .afterClose(ConnectionToken(7)))
    }

    /// The record is bounded: the oldest closed tokens are forgotten, and an ESTABLISHED for a
    /// token the table never saw is adopted as before (its CREATED was lost, or it is older
    /// than the daemon).
    @Test func theRecordIsBoundedAndOldTokensAreForgotten() {
        var table = ConnectionTable(recentlyClosedCapacity: 2)
        for token in UInt32(1)...3 {
            _ = table.apply(.created(info(token)))
            _ = table.apply(.closed(ConnectionToken(token)))
        }
        #expect(table.apply(.established(info(3))) == .afterClose(ConnectionToken(3)))
        guard case .updated = table.apply(.established(info(1))) else {
            Issue.record("token 1 was forgotten and should be adopted as an unknown connection")
            return
        }
        #expect(table.count == 1)
    }

    /// Under a storm of short connections the daemon used to keep thousands of closed
    /// connections for good, and fullmesh kept joining them.
    @Test func fullmeshSendsNothingForALateEstablished() throws {
        let h = try Harness()
        h.twoInterfaces()
        let connection = h.connection(9, from: "198.18.1.1", to: "198.18.1.2")
        h.kernel.connections.insert(connection.token)
        h.event(.created(connection))
        h.event(.closed(connection.token))
        h.kernel.connections.remove(connection.token)
        let sentBefore = h.manager.counters.commandsSent
        h.event(.established(connection))
        h.event(
            .announced(
                token: connection.token, id: AddressID(2), endpoint: SocketEndpoint(IPAddress("198.18.2.2")!, port: 0)))
        #expect(h.manager.connections.count == 0)
        #expect(h.manager.counters.commandsSent == sentBefore)
        #expect(h.manager.counters.eventsAfterClose == 2)
    }
}
