import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// RTM_GETROUTE questions and the kernel's RTM_NEWROUTE answer (captured on Linux 6.18 in a
/// namespace with 198.18.5.1/24 on interface 3 and `default via 198.18.5.254`).
@Suite("route lookup")
struct RouteLookupTests {
    @Test func lookupFromASourceGolden() {
        let lookup = RouteLookup(destination: IPAddress("198.18.9.9")!, source: IPAddress("198.18.5.1")!)
        #expect(
            lookup.encode(sequence: 7)
                == hex(
                    """
                    2c000000 1a00 0500 07000000 00000000   // len 44, RTM_GETROUTE, REQUEST|ACK, seq 7
                    02 20 20 00 00 00 00 00 00000000       // rtmsg: AF_INET, dst_len 32, src_len 32
                    0800 0100 c6120909                     // RTA_DST 198.18.9.9
                    0800 0200 c6120501                     // RTA_SRC 198.18.5.1
                    """))
    }

    @Test func lookupWithInterfacesGolden() {
        let lookup = RouteLookup(
            destination: IPAddress("2001:db8:1::2")!, inputInterface: InterfaceIndex(4),
            outputInterface: InterfaceIndex(5))
        #expect(
            lookup.encode(sequence: 9)
                == hex(
                    """
                    40000000 1a00 0500 09000000 00000000   // len 64, RTM_GETROUTE, REQUEST|ACK, seq 9
                    0a 80 00 00 00 00 00 00 00000000       // rtmsg: AF_INET6, dst_len 128, no source
                    1400 0100 20010db8000100000000000000000002  // RTA_DST 2001:db8:1::2
                    0800 0300 04000000                     // RTA_IIF 4
                    0800 0400 05000000                     // RTA_OIF 5
                    """))
    }

    @Test func capturedAnswerDecodes() throws {
        let bytes = hex(
            """
            70000000 1800 0000 07000000 f00c0000   // len 112, RTM_NEWROUTE, seq 7
            02 20 20 00 fe 00 00 01 00020000       // rtmsg: AF_INET, /32 /32, table main, RTN_UNICAST, RTM_F_CLONED
            0800 0f00 fe000000                     // RTA_TABLE 254
            0800 0100 c6120909                     // RTA_DST 198.18.9.9
            0800 0200 c6120501                     // RTA_SRC 198.18.5.1
            0800 0400 03000000                     // RTA_OIF 3
            0800 0500 c61205fe                     // RTA_GATEWAY 198.18.5.254
            0800 1900 00000000                     // RTA_UID 0 (ignored)
            2400 0c00 02000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000  // RTA_CACHEINFO
            """)
        let parts = try NetlinkDatagram.split(bytes)
        #expect(
            try RouteMessage.decode(parts[0])
                == RouteMessage(
                    family: .ipv4, destinationLength: 32, table: 254, type: 1,
                    destination: IPAddress("198.18.9.9"), source: IPAddress("198.18.5.1"),
                    outputInterface: InterfaceIndex(3), gateway: IPAddress("198.18.5.254")))
    }

    @Test func truncatedAnswerIsAnError() throws {
        let parts = try NetlinkDatagram.split(hex("18000000 1800 0000 07000000 f00c0000 02 20 20 00 fe 00 00 01"))
        #expect(throws: NetlinkDecodeError.self) { try RouteMessage.decode(parts[0]) }
    }
}
