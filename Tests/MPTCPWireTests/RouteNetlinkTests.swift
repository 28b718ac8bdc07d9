import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

@Suite("rtnetlink")
struct RouteNetlinkTests {
    @Test func dumpRequestsGolden() throws {
        #expect(
            RouteNetlink.encodeLinkDump(sequence: 5)
                == hex(
                    """
                    20000000 1200 0103 05000000 00000000   // len 32, RTM_GETLINK, REQUEST|DUMP, seq 5
                    00 00 0000 00000000 00000000 00000000  // ifinfomsg: AF_UNSPEC, everything 0
                    """))
        #expect(
            RouteNetlink.encodeAddressDump(sequence: 6)
                == hex(
                    """
                    18000000 1600 0103 06000000 00000000   // len 24, RTM_GETADDR, REQUEST|DUMP, seq 6
                    00 00 00 00 00000000                   // ifaddrmsg: AF_UNSPEC
                    """))
    }

    @Test func linkGolden() throws {
        let bytes = hex(
            """
            44000000 1000 0000 00000000 00000000   // len 68, RTM_NEWLINK
            00 00 0100 02000000 43100100 00000000  // ifinfomsg: ARPHRD_ETHER, index 2, flags 0x11043, change 0
            0900 0300 65746830 00 000000           // IFLA_IFNAME "eth0"
            0500 1000 06 000000                    // IFLA_OPERSTATE 6 (up)
            0500 2100 01 000000                    // IFLA_CARRIER 1
            0800 0400 dc050000                     // IFLA_MTU 1500 (ignored)
            """)
        #expect(
            try RouteNetlinkMessage.decode(message(bytes))
                == .newLink(
                    LinkMessage(
                        index: InterfaceIndex(2), name: "eth0", flags: 0x11043, change: 0, type: 1, carrier: true,
                        operState: 6)))
    }

    @Test func addressGolden() throws {
        let v4 = hex(
            """
            28000000 1500 0000 00000000 00000000   // len 40, RTM_DELADDR
            02 18 80 00 03000000                   // ifaddrmsg: AF_INET, /24, PERMANENT, scope 0, index 3
            0800 0100 c6120201                     // IFA_ADDRESS 198.18.2.1 (the peer, on a p2p link)
            0800 0200 c6120202                     // IFA_LOCAL 198.18.2.2: preferred
            """)
        #expect(
            try RouteNetlinkMessage.decode(message(v4))
                == .deleteAddress(
                    AddressMessage(
                        interface: InterfaceIndex(3), address: ip("198.18.2.2"), prefixLength: 24, flags: 0x80, scope: 0
                    )))
        let v6 = hex(
            """
            34000000 1400 0000 00000000 00000000   // len 52, RTM_NEWADDR
            0a 40 80 00 02000000                   // AF_INET6, /64, PERMANENT (8 bits), index 2
            1400 0100 20010db8 00020000 00000000 00000002  // IFA_ADDRESS 2001:db8:2::2
            0800 0800 c0000000                     // IFA_FLAGS 0xc0: TENTATIVE|PERMANENT, overrides
            """)
        guard case .newAddress(let a) = try RouteNetlinkMessage.decode(message(v6)) else { Issue.record(); return }
        #expect(a.address == ip("2001:db8:2::2"))
        #expect(a.flags == 0xc0)
        #expect(a.addressFlags.contains(.tentative))
        // Not IPv4/IPv6: other.
        var other = v4
        other[16] = 17  // AF_PACKET
        #expect(try RouteNetlinkMessage.decode(message(other)) == .other(type: 21))
    }

    @Test func capturedDumpsAndMonitorEvents() throws {
        let messages = try Captures.load("rtnetlink.hex")
        var links = 0, addresses = 0
        for captured in messages where !captured.what.hasSuffix(".request") {
            let decoded = try RouteNetlinkMessage.decode(message(captured.bytes))
            switch decoded {
            case .newLink(let l), .deleteLink(let l):
                links += 1
                #expect(l.index.rawValue == Int32(captured.int("index")), "\(captured)")
                #expect(l.name == captured.tag("name"))
                #expect("0x" + String(l.flags, radix: 16) == captured.tag("flags"))
                #expect("0x" + String(l.change, radix: 16) == captured.tag("change"))
                #expect(l.carrier.map { $0 ? "1" : "0" } == captured.tags["carrier"])
                #expect(l.operState.map(String.init) == captured.tags["operstate"])
                #expect(captured.int("type") == (decoded == .newLink(l) ? 16 : 17))
            case .newAddress(let a), .deleteAddress(let a):
                addresses += 1
                #expect(a.interface.rawValue == Int32(captured.int("index")), "\(captured)")
                #expect(a.address.description == captured.tag("address"))
                #expect(Int(a.prefixLength) == captured.int("prefixlen"))
                #expect("0x" + String(a.flags, radix: 16) == captured.tag("flags"))
                #expect(Int(a.scope) == captured.int("scope"))
            case .other(let type):
                #expect(type == 3, "\(captured)")
            }
        }
        #expect(links >= 5)
        #expect(addresses >= 8)
        let requests = messages.filter { $0.what.hasSuffix(".request") }
        let linkDump = try message(requests[0].bytes)
        #expect(RouteNetlink.encodeLinkDump(sequence: linkDump.sequence) == requests[0].bytes)
        let addressDump = try message(requests[1].bytes)
        #expect(RouteNetlink.encodeAddressDump(sequence: addressDump.sequence) == requests[1].bytes)
    }

    @Test func capturedTentativeAddress() throws {
        let tentative = try Captures.load("rtnetlink.hex").first { $0.tags["address"] == "2001:db8:2::2" }
        let m = try #require(tentative)
        guard case .newAddress(let a) = try RouteNetlinkMessage.decode(message(m.bytes)) else { return }
        #expect(a.addressFlags.contains(.tentative))
        #expect(!a.addressFlags.contains(.dadFailed))
    }
}
