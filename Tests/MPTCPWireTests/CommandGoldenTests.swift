import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// Hand-written requests, checked both ways: `encode` produces the bytes, and decoding the
/// bytes gives the command back. Family ID 0x1c, sequence 0x10, token 0x11223344.
/// Flags are NLM_F_REQUEST|NLM_F_ACK (0x0005), plus NLM_F_DUMP (0x0305) for the dump.
@Suite("MPTCP commands: golden bytes")
struct CommandGoldenTests {
    static let family: UInt16 = 0x1c
    static let sequence: UInt32 = 0x10
    static let token = ConnectionToken(0x1122_3344)

    static var endpointByID: AddressEntry {
        var e = AddressEntry(id: AddressID(3))
        e.flags = .backup
        return e
    }

    static let cases: [(name: String, bytes: [UInt8], command: MPTCPCommand)] = [
        (
            "ANNOUNCE 198.18.1.1 id 5, no port",
            hex(
                """
                40000000 1c00 0500 10000000 00000000   // len 64, family 28, REQUEST|ACK, seq 16, pid 0
                08 01 0000                             // genlmsghdr: cmd 8 (ANNOUNCE), version 1
                0800 0400 44332211                     // TOKEN
                2400 0180                              // ADDR (1 | NLA_F_NESTED), 36 bytes
                  0600 0100 0200 0000                  //   FAMILY AF_INET
                  0500 0200 05 000000                  //   ID 5
                  0800 0300 c6120101                   //   ADDR4 198.18.1.1 (network order)
                  0800 0600 01000000                   //   FLAGS SIGNAL
                """),
            .announce(token: token, address: AddressEntry(ip("198.18.1.1"), id: AddressID(5), flags: .signal))
        ),

        (
            "ANNOUNCE [2001:db8:1::1]:47003 id 6 on interface 2",
            hex(
                """
                5c000000 1c00 0500 10000000 00000000   // len 92
                08 01 0000
                0800 0400 44332211                     // TOKEN
                4000 0180                              // ADDR, 64 bytes
                  0600 0100 0a00 0000                  //   FAMILY AF_INET6
                  0500 0200 06 000000                  //   ID 6
                  1400 0400 20010db8 00010000 00000000 00000001  // ADDR6
                  0600 0500 9bb7 0000                  //   PORT 47003 (HOST order)
                  0800 0600 01000000                   //   FLAGS SIGNAL
                  0800 0700 02000000                   //   IF_IDX 2
                """),
            .announce(
                token: token,
                address: AddressEntry(
                    ip("2001:db8:1::1"), id: AddressID(6), port: 47003,
                    flags: .signal, interface: InterfaceIndex(2)))
        ),

        (
            "REMOVE id 5",
            hex(
                """
                24000000 1c00 0500 10000000 00000000   // len 36
                09 01 0000                             // cmd 9 (REMOVE)
                0800 0400 44332211                     // TOKEN
                0500 0500 05 000000                    // LOC_ID 5
                """),
            .remove(token: token, id: AddressID(5))
        ),

        (
            "SUBFLOW_CREATE 198.18.1.2 id 7 backup dev 2 -> 198.18.1.1:47001",
            hex(
                """
                6c000000 1c00 0500 10000000 00000000   // len 108
                0a 01 0000                             // cmd 10 (SUBFLOW_CREATE)
                0800 0400 44332211                     // TOKEN
                2c00 0180                              // ADDR (local), 44 bytes
                  0600 0100 0200 0000                  //   FAMILY
                  0500 0200 07 000000                  //   ID 7
                  0800 0300 c6120102                   //   ADDR4 198.18.1.2
                  0800 0600 04000000                   //   FLAGS BACKUP
                  0800 0700 02000000                   //   IF_IDX 2
                2400 0680                              // ADDR_REMOTE (6 | NLA_F_NESTED), 36 bytes
                  0600 0100 0200 0000                  //   FAMILY
                  0800 0300 c6120101                   //   ADDR4 198.18.1.1
                  0600 0500 99b7 0000                  //   PORT 47001 (host order)
                  0800 0600 00000000                   //   FLAGS 0
                """),
            .subflowCreate(
                token: token,
                local: AddressEntry(ip("198.18.1.2"), id: AddressID(7), flags: .backup, interface: InterfaceIndex(2)),
                remote: AddressEntry(ip("198.18.1.1"), port: 47001))
        ),

        (
            "SUBFLOW_DESTROY 198.18.1.2:40000 -> 198.18.1.1:47001",
            hex(
                """
                64000000 1c00 0500 10000000 00000000   // len 100
                0b 01 0000                             // cmd 11 (SUBFLOW_DESTROY)
                0800 0400 44332211                     // TOKEN
                2400 0180                              // ADDR (local)
                  0600 0100 0200 0000                  //   FAMILY
                  0800 0300 c6120102                   //   ADDR4
                  0600 0500 409c 0000                  //   PORT 40000
                  0800 0600 00000000                   //   FLAGS 0
                2400 0680                              // ADDR_REMOTE
                  0600 0100 0200 0000
                  0800 0300 c6120101
                  0600 0500 99b7 0000                  //   PORT 47001
                  0800 0600 00000000
                """),
            .subflowDestroy(
                token: token, local: AddressEntry(ip("198.18.1.2"), port: 40000),
                remote: AddressEntry(ip("198.18.1.1"), port: 47001))
        ),

        (
            "SET_FLAGS backup on [2001:db8:1::2]:40000 -> [2001:db8:1::1]:47003 (userspace PM)",
            hex(
                """
                7c000000 1c00 0500 10000000 00000000   // len 124
                07 01 0000                             // cmd 7 (SET_FLAGS)
                0800 0400 44332211                     // TOKEN
                3000 0180                              // ADDR (local), 48 bytes
                  0600 0100 0a00 0000
                  1400 0400 20010db8 00010000 00000000 00000002
                  0600 0500 409c 0000                  //   PORT 40000
                  0800 0600 04000000                   //   FLAGS BACKUP
                3000 0680                              // ADDR_REMOTE
                  0600 0100 0a00 0000
                  1400 0400 20010db8 00010000 00000000 00000001
                  0600 0500 9bb7 0000                  //   PORT 47003
                  0800 0600 00000000
                """),
            .setFlags(
                token: token, local: AddressEntry(ip("2001:db8:1::2"), port: 40000, flags: .backup),
                remote: AddressEntry(ip("2001:db8:1::1"), port: 47003))
        ),

        (
            "SET_FLAGS backup on endpoint id 3 (in-kernel PM, no token)",
            hex(
                """
                28000000 1c00 0500 10000000 00000000   // len 40
                07 01 0000
                1400 0180                              // ADDR: no FAMILY, so looked up by ID
                  0500 0200 03 000000                  //   ID 3
                  0800 0600 04000000                   //   FLAGS BACKUP
                """),
            .setFlags(token: nil, local: endpointByID, remote: nil)
        ),

        (
            "GET_ADDR id 5 of a connection",
            hex(
                """
                28000000 1c00 0500 10000000 00000000   // len 40
                03 01 0000                             // cmd 3 (GET_ADDR)
                0800 0400 44332211                     // TOKEN
                0c00 0180                              // ADDR
                  0500 0200 05 000000                  //   ID 5
                """),
            .getAddress(token: token, id: AddressID(5))
        ),

        (
            "GET_ADDR dump of the endpoints",
            hex(
                """
                14000000 1c00 0503 10000000 00000000   // len 20, REQUEST|ACK|DUMP
                03 01 0000
                """),
            .dumpAddresses(token: nil)
        ),

        (
            "GET_ADDR dump of a connection",
            hex(
                """
                1c000000 1c00 0503 10000000 00000000   // len 28
                03 01 0000
                0800 0400 44332211                     // TOKEN
                """),
            .dumpAddresses(token: token)
        ),

        (
            "ADD_ADDR endpoint 198.18.1.1 port 47100 id 1 signal dev 2",
            hex(
                """
                48000000 1c00 0500 10000000 00000000   // len 72
                01 01 0000                             // cmd 1 (ADD_ADDR)
                3400 0180                              // ENDPOINT_ADDR, 52 bytes
                  0600 0100 0200 0000
                  0500 0200 01 000000                  //   ID 1
                  0800 0300 c6120101
                  0600 0500 fcb7 0000                  //   PORT 47100
                  0800 0600 01000000                   //   FLAGS SIGNAL
                  0800 0700 02000000                   //   IF_IDX 2
                """),
            .addEndpoint(
                AddressEntry(
                    ip("198.18.1.1"), id: AddressID(1), port: 47100, flags: .signal,
                    interface: InterfaceIndex(2)))
        ),

        (
            "DEL_ADDR endpoint id 1",
            hex(
                """
                28000000 1c00 0500 10000000 00000000   // len 40
                02 01 0000                             // cmd 2 (DEL_ADDR)
                1400 0180
                  0500 0200 01 000000                  //   ID 1
                  0800 0600 00000000                   //   FLAGS 0
                """),
            .deleteEndpoint(AddressEntry(id: AddressID(1)))
        ),

        (
            "FLUSH_ADDRS",
            hex(
                """
                14000000 1c00 0500 10000000 00000000
                04 01 0000                             // cmd 4 (FLUSH_ADDRS)
                """),
            .flushEndpoints
        ),

        (
            "SET_LIMITS add_addr_accepted 4 subflows 2",
            hex(
                """
                24000000 1c00 0500 10000000 00000000   // len 36
                05 01 0000                             // cmd 5 (SET_LIMITS)
                0800 0200 04000000                     // RCV_ADD_ADDRS 4
                0800 0300 02000000                     // SUBFLOWS 2
                """),
            .setLimits(receivedAddAddrs: 4, subflows: 2)
        ),

        (
            "GET_LIMITS",
            hex(
                """
                14000000 1c00 0500 10000000 00000000
                06 01 0000                             // cmd 6 (GET_LIMITS)
                """),
            .getLimits
        ),
    ]

    @Test(arguments: 0..<cases.count)
    func encodesToTheBytes(_ i: Int) {
        let (name, bytes, command) = Self.cases[i]
        #expect(
            hexString(command.encode(familyID: Self.family, sequence: Self.sequence)) == hexString(bytes), "\(name)")
    }

    @Test(arguments: 0..<cases.count)
    func decodesToTheCommand(_ i: Int) throws {
        let (name, bytes, command) = Self.cases[i]
        #expect(try MPTCPCommand(decoding: message(bytes), familyID: Self.family) == command, "\(name)")
    }

    @Test func everyCommandNumberHasAGoldenMessage() {
        #expect(Set(Self.cases.map(\.command.number)) == Set(MPTCPCommandNumber.allCases))
    }

    @Test func ipv4AddressInAnIPv6EntryIsSentMapped() throws {
        let entry = AddressEntry(family: .ipv6, address: ip("198.18.1.2"))
        let bytes = MPTCPCommand.subflowDestroy(
            token: Self.token, local: entry, remote: AddressEntry(ip("2001:db8::1"), port: 1)
        )
        .encode(familyID: Self.family, sequence: 1)
        let decoded = try MPTCPCommand(decoding: message(bytes))
        guard case .subflowDestroy(_, let local, _) = decoded else { Issue.record("\(decoded)"); return }
        #expect(local.family == .ipv6)
        #expect(local.address == ip("::ffff:198.18.1.2"))
        let unmapped = AddressEntry(family: .ipv4, address: ip("::ffff:198.18.1.2"))
        let bytes4 = MPTCPCommand.announce(token: Self.token, address: unmapped).encode(
            familyID: Self.family, sequence: 1)
        guard case .announce(_, let a) = try MPTCPCommand(decoding: message(bytes4)) else { return }
        #expect(a.address == ip("198.18.1.2"))
        #expect(a.family == .ipv4)
    }

    @Test func decodingRejectsWhatTheKernelWouldRefuse() {
        // ANNOUNCE without TOKEN.
        let bytes = hex(
            """
            1c000000 1c00 0500 10000000 00000000
            08 01 0000
            0800 0500 05000000
            """)
        let error = decodeFailure { _ = try MPTCPCommand(decoding: message(bytes)) }
        #expect(error?.description == "ANNOUNCE: missing attribute token (4)")
        let unknown = hex("14000000 1c00 0500 10000000 00000000  63 01 0000")
        #expect(decodeFailure { _ = try MPTCPCommand(decoding: message(unknown)) } != nil)
    }
}
