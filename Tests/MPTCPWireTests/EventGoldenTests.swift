import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// Hand-written event messages, laid out field by field, checked both ways: the decoder
/// turns them into the value, and the encoder (attribute order of Linux 6.18) turns the
/// value back into the same bytes. Family ID 0x1c, token 0x11223344 unless noted.
@Suite("MPTCP events: golden bytes")
struct EventGoldenTests {
    static let family: UInt16 = 0x1c
    static let token = ConnectionToken(0x1122_3344)

    static let cases: [(name: String, bytes: [UInt8], event: MPTCPEvent)] = [
        (
            "CREATED, server side, IPv4",
            hex(
                """
                64000000 1c00 0000 00000000 00000000   // nlmsghdr: len 100, family 28, no flags, seq 0, pid 0
                01 01 0000                             // genlmsghdr: cmd 1 (CREATED), version 1
                0800 0100 44332211                     // TOKEN (host order)
                0500 1200 01 000000                    // SERVER_SIDE 1
                0600 0d00 0200 0000                    // FLAGS 0x2: SERVER_SIDE
                0600 0200 0200 0000                    // FAMILY AF_INET
                0800 0500 c6120001                     // SADDR4 198.18.0.1
                0800 0700 c6120002                     // DADDR4 198.18.0.2
                0600 0900 b799 0000                    // SPORT 47001 (network order)
                0600 0a00 c350 0000                    // DPORT 50000 (network order)
                0500 0300 00 000000                    // LOC_ID 0
                0500 0400 00 000000                    // REM_ID 0
                """),
            .created(
                ConnectionEventInfo(
                    token: token, local: endpoint("198.18.0.1", 47001),
                    remote: endpoint("198.18.0.2", 50000), serverSide: true, flags: 2))
        ),

        (
            "ESTABLISHED, client side, IPv6, peer denies joins to its initial address",
            hex(
                """
                74000000 1c00 0000 00000000 00000000   // len 116
                02 01 0000                             // cmd 2 (ESTABLISHED)
                0800 0100 0d0c0b0a                     // TOKEN 0x0a0b0c0d
                0600 0d00 0100 0000                    // FLAGS 0x1: DENY_JOIN_ID0
                0600 0200 0a00 0000                    // FAMILY AF_INET6
                1400 0600 20010db8 00000000 00000000 00000002   // SADDR6 2001:db8::2
                1400 0800 20010db8 00000000 00000000 00000001   // DADDR6 2001:db8::1
                0600 0900 c350 0000                    // SPORT 50000
                0600 0a00 b79a 0000                    // DPORT 47002
                0500 0300 00 000000                    // LOC_ID 0
                0500 0400 00 000000                    // REM_ID 0
                """),
            .established(
                ConnectionEventInfo(
                    token: ConnectionToken(0x0a0b_0c0d), local: endpoint("2001:db8::2", 50000),
                    remote: endpoint("2001:db8::1", 47002), denyJoinInitialEndpoint: true,
                    flags: 1))
        ),

        (
            "CLOSED",
            hex(
                """
                1c000000 1c00 0000 00000000 00000000   // len 28
                03 01 0000                             // cmd 3 (CLOSED)
                0800 0100 44332211                     // TOKEN
                """),
            .closed(token)
        ),

        (
            "ANNOUNCED, IPv4, no FAMILY attribute",
            hex(
                """
                34000000 1c00 0000 00000000 00000000   // len 52
                06 01 0000                             // cmd 6 (ANNOUNCED)
                0800 0100 44332211                     // TOKEN
                0500 0400 05 000000                    // REM_ID 5
                0600 0a00 b799 0000                    // DPORT 47001
                0800 0700 c6120101                     // DADDR4 198.18.1.1
                """),
            .announced(token: token, id: AddressID(5), endpoint: endpoint("198.18.1.1", 47001))
        ),

        (
            "ANNOUNCED, IPv6",
            hex(
                """
                40000000 1c00 0000 00000000 00000000   // len 64
                06 01 0000
                0800 0100 44332211                     // TOKEN
                0500 0400 06 000000                    // REM_ID 6
                0600 0a00 b79b 0000                    // DPORT 47003
                1400 0800 20010db8 00010000 00000000 00000001   // DADDR6 2001:db8:1::1
                """),
            .announced(token: token, id: AddressID(6), endpoint: endpoint("2001:db8:1::1", 47003))
        ),

        (
            "REMOVED",
            hex(
                """
                24000000 1c00 0000 00000000 00000000   // len 36
                07 01 0000                             // cmd 7 (REMOVED)
                0800 0100 44332211                     // TOKEN
                0500 0400 05 000000                    // REM_ID 5
                """),
            .removed(token: token, id: AddressID(5))
        ),

        (
            "SUB_ESTABLISHED, IPv4, bound to interface 2",
            hex(
                """
                64000000 1c00 0000 00000000 00000000   // len 100
                0a 01 0000                             // cmd 10 (SUB_ESTABLISHED)
                0800 0100 44332211                     // TOKEN
                0600 0200 0200 0000                    // FAMILY AF_INET
                0800 0500 c6120102                     // SADDR4 198.18.1.2
                0800 0700 c6120101                     // DADDR4 198.18.1.1
                0600 0900 9c40 0000                    // SPORT 40000
                0600 0a00 b799 0000                    // DPORT 47001
                0500 0300 07 000000                    // LOC_ID 7
                0500 0400 05 000000                    // REM_ID 5
                0500 0b00 00 000000                    // BACKUP 0
                0800 0f00 02000000                     // IF_IDX 2 (s32)
                """),
            .subflowEstablished(
                SubflowEventInfo(
                    token: token, local: endpoint("198.18.1.2", 40000),
                    remote: endpoint("198.18.1.1", 47001), localID: AddressID(7),
                    remoteID: AddressID(5), interface: InterfaceIndex(2)))
        ),

        (
            "SUB_CLOSED, IPv4, refused, reset by the peer",
            hex(
                """
                74000000 1c00 0000 00000000 00000000   // len 116
                0b 01 0000                             // cmd 11 (SUB_CLOSED)
                0800 0100 44332211                     // TOKEN
                0600 0200 0200 0000                    // FAMILY AF_INET
                0800 0500 c612010c                     // SADDR4 198.18.1.12
                0800 0700 c6120001                     // DADDR4 198.18.0.1
                0600 0900 9c41 0000                    // SPORT 40001
                0600 0a00 bb1d 0000                    // DPORT 47901
                0500 0300 09 000000                    // LOC_ID 9
                0500 0400 00 000000                    // REM_ID 0
                0500 0b00 00 000000                    // BACKUP 0
                0500 0c00 6f 000000                    // ERROR 111 (ECONNREFUSED)
                0800 1000 01000000                     // RESET_REASON 1 (MPTCP_RST_EMPTCP)
                0800 1100 00000000                     // RESET_FLAGS 0
                """),
            .subflowClosed(
                SubflowEventInfo(
                    token: token, local: endpoint("198.18.1.12", 40001),
                    remote: endpoint("198.18.0.1", 47901), localID: AddressID(9),
                    remoteID: AddressID(0), error: 111, resetReason: 1, resetFlags: 0))
        ),

        (
            "SUB_PRIORITY, IPv6, backup",
            hex(
                """
                74000000 1c00 0000 00000000 00000000   // len 116
                0d 01 0000                             // cmd 13 (SUB_PRIORITY)
                0800 0100 44332211                     // TOKEN
                0600 0200 0a00 0000                    // FAMILY AF_INET6
                1400 0600 20010db8 00010000 00000000 00000001   // SADDR6 2001:db8:1::1
                1400 0800 20010db8 00010000 00000000 00000002   // DADDR6 2001:db8:1::2
                0600 0900 b79b 0000                    // SPORT 47003
                0600 0a00 9c40 0000                    // DPORT 40000
                0500 0300 06 000000                    // LOC_ID 6
                0500 0400 08 000000                    // REM_ID 8
                0500 0b00 01 000000                    // BACKUP 1
                """),
            .subflowPriority(
                SubflowEventInfo(
                    token: token, local: endpoint("2001:db8:1::1", 47003),
                    remote: endpoint("2001:db8:1::2", 40000), localID: AddressID(6),
                    remoteID: AddressID(8), backup: true))
        ),

        (
            "LISTENER_CREATED, IPv4",
            hex(
                """
                2c000000 1c00 0000 00000000 00000000   // len 44
                0f 01 0000                             // cmd 15 (LISTENER_CREATED)
                0600 0200 0200 0000                    // FAMILY AF_INET
                0600 0900 b799 0000                    // SPORT 47001
                0800 0500 c6120001                     // SADDR4 198.18.0.1
                """),
            .listenerCreated(endpoint("198.18.0.1", 47001))
        ),

        (
            "LISTENER_CLOSED, IPv6 wildcard",
            hex(
                """
                38000000 1c00 0000 00000000 00000000   // len 56
                10 01 0000                             // cmd 16 (LISTENER_CLOSED)
                0600 0200 0a00 0000                    // FAMILY AF_INET6
                0600 0900 b79c 0000                    // SPORT 47004
                1400 0600 00000000 00000000 00000000 00000000   // SADDR6 ::
                """),
            .listenerClosed(endpoint("::", 47004))
        ),

        (
            "unknown event type 42",
            hex(
                """
                14000000 1c00 0000 00000000 00000000   // len 20
                2a 01 0000                             // cmd 42: not an event this codec knows
                """),
            .unknown(type: 42)
        ),
    ]

    @Test(arguments: 0..<cases.count)
    func decodesToTheValue(_ i: Int) throws {
        let (name, bytes, event) = Self.cases[i]
        #expect(try MPTCPEventDecoder.decode(message(bytes), familyID: Self.family) == event, "\(name)")
    }

    @Test(arguments: 0..<cases.count)
    func encodesToTheBytes(_ i: Int) throws {
        let (name, bytes, event) = Self.cases[i]
        #expect(hexString(event.encode(familyID: Self.family)) == hexString(bytes), "\(name)")
    }

    @Test func everyEventTypeHasAGoldenMessage() {
        let covered = Set(Self.cases.compactMap { $0.event.type })
        #expect(covered == Set(MPTCPEventType.allCases))
    }

    @Test func genericAttributesKeepEverything() throws {
        let (type, a) = try MPTCPEventDecoder.decodeAttributes(message(Self.cases[7].bytes))
        #expect(type == 11)
        #expect(a.token == Self.token)
        #expect(a.family == 2)
        #expect(a.sourceIPv4 == ip("198.18.1.12"))
        #expect(a.destinationPort == 47901)
        #expect(a.error == 111)
        #expect(a.resetReason == 1)
        #expect(a.resetFlags == 0)
        #expect(a.backup == 0)
        #expect(a.serverSide == nil)
        #expect(a.unknownTypes.isEmpty)
        #expect(a.encode(eventType: type, familyID: Self.family) == Self.cases[7].bytes)
    }
}
