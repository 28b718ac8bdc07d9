import MPTCPWire
import SubflowPolicy
import Testing

@testable import SubflowDoctor

/// The pure parts of the routing checks: prefixes, and which destinations stand for the
/// peers when the namespace has no MPTCP connection.
@Suite struct RoutingSurveyTests {
    static func prefix(_ text: String, _ length: Int) -> AddressPrefix {
        AddressPrefix(address: IPAddress(text)!, length: length)
    }

    @Test func prefixContainsByItsLeadingBitsOnly() {
        let p = Self.prefix("198.18.2.1", 23)
        #expect(p.contains(IPAddress("198.18.3.255")!))
        #expect(!p.contains(IPAddress("198.18.4.0")!))
        #expect(!p.contains(IPAddress("2001:db8::1")!))
        #expect(Self.prefix("0.0.0.0", 0).contains(IPAddress("203.0.113.9")!))
        #expect(Self.prefix("2001:db8:1::1", 64).contains(IPAddress("2001:db8:1::ffff")!))
        #expect(!Self.prefix("2001:db8:1::1", 64).contains(IPAddress("2001:db8:2::1")!))
    }

    @Test func prefixPrintsAsIpRouteDoes() {
        #expect("\(Self.prefix("198.18.2.1", 24))" == "198.18.2.0/24")
        #expect("\(Self.prefix("198.18.2.1", 32))" == "198.18.2.1")
        #expect("\(Self.prefix("198.18.2.1", 0))" == "default")
        #expect("\(Self.prefix("2001:db8:1::1", 64))" == "2001:db8:1::/64")
    }

    @Test func peersWithoutConnectionsAreTheGatewayRoutesOfTheMainTable() {
        let routes = [
            // default via 198.18.1.2 and a second default (DHCP on B): one "anywhere" peer.
            RouteMessage(family: .ipv4, table: 254, gateway: IPAddress("198.18.1.2")),
            RouteMessage(family: .ipv4, table: 254, gateway: IPAddress("198.18.2.2")),
            // 198.18.9.0/24 via 198.18.2.2: its first host.
            RouteMessage(
                family: .ipv4, destinationLength: 24, table: 254, destination: IPAddress("198.18.9.0"),
                gateway: IPAddress("198.18.2.2")),
            // A connected route and a route of another table: not peers.
            RouteMessage(family: .ipv4, destinationLength: 24, table: 254, destination: IPAddress("198.18.1.0")),
            RouteMessage(family: .ipv4, table: 101, gateway: IPAddress("198.18.1.2")),
            // A local route (RTN_LOCAL) is not a peer either.
            RouteMessage(
                family: .ipv4, destinationLength: 24, table: 254, type: 2, destination: IPAddress("198.18.7.0"),
                gateway: IPAddress("198.18.1.2")),
            RouteMessage(family: .ipv6, table: 254, gateway: IPAddress("fe80::1")),
        ]
        let peers = RoutingSurvey.routePeers(routes, local: [IPAddress("198.18.9.1")!])
        #expect(
            peers.map(\.address) == [IPAddress("192.0.2.1")!, IPAddress("198.18.9.2")!, IPAddress("2001:db8::1")!])
        #expect(
            peers.map(\.origin) == [
                "route default via 198.18.1.2", "route 198.18.9.0/24 via 198.18.2.2", "route default via fe80::1",
            ])
    }
}
