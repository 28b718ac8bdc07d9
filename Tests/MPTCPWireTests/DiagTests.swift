import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// Socket-diagnostics decoding (MPTCPWire/Diag) against bytes captured from Linux 6.18.
///
/// How the captures were made: two namespaces joined by two veth paths (198.18.N.0/24,
/// 2001:db8:N::/64); the client ran the userspace path manager and `subflowd --policy fullmesh
/// --log-level debug`, the server the in-kernel path manager announcing its path-B addresses;
/// one IPv4 and one IPv6 MPTCP connection; subflowd was killed with SIGKILL and started
/// again, and the second instance's log lines `recovery: read WHAT: HEX` — the raw messages
/// its recovery read — were copied here. The server-side subflow and the listener come from
/// the same set-up mirrored (userspace PM and subflowd on the server), the refusal from a
/// connection opened while the client namespace still used the in-kernel path manager, the
/// plain TCP socket from a sock_diag dump of an ordinary TCP connection. Every message is
/// one `SOCK_DIAG_BY_FAMILY` (20) or GET_ADDR reply exactly as the kernel sent it.
@Suite("Socket diagnostics")
struct DiagTests {
    // MARK: Captures

    /// MPTCP dump, AF_INET: the client's msk, token 3975605535, 4 subflows.
    static let mptcpClientIPv4 = hex(
        """
        e000000014000200010000001574000002010000ca2e1451c6120101000000000000000000000000c612010200000000
        000000000000000000000000ab110000000000000000000000000000000000000000000043fa06000500080000000000
        08000f00000000000c00150001000000000000000600160052000000640002000300000000000000020000001fedf6ec
        9fff3cc370d151419fff3cc370d15141823a97eab556e6070200000000000000000000000000000030f2000000000000
        000000000000000030f2000000000000040000001c000000240c00001c000000
        """)
    /// MPTCP dump, AF_INET6: the client's msk, token 1356843423.
    static let mptcpClientIPv6 = hex(
        """
        e00000001400020002000000157400000a01000091b0145120010db800010000000000000000000120010db800010000
        000000000000000200000000ac1100000000000000000000000000000000000000000000c2fc06000500080000000000
        08000f00000000000c00150001000000000000000600160012000000640002000500000000000000020000009fc9df50
        8722e0b62ec929c58722e0b62ec929c5fcb9b36c57ac30ab0400000000000000000000000000000018f6000000000000
        000000000000000018f60000000000000600000008000000440c000008000000
        """)
    /// MPTCP dump on the server: the listening msk (`0.0.0.0:5201`, token 0).
    static let mptcpListener = hex(
        """
        e0000000140002000100000080760000020a000014510000000000000000000000000000000000000000000000000000
        000000000000000000000000860100000000000000000000000000000800000000000000ae0507000500080000000000
        08000f00000000000c001500010000000000000006001600520000006400020000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        """)
    /// TCP dump: the client's initial subflow of 3975605535 (flags `Mmec`).
    static let subflowInitialClient = hex(
        """
        0002000014000200030000001574000002010000ca2e1451c6120101000000000000000000000000c612010200000000
        0000000000000000000000007e010000000000000000000000000000000000000000000043fa06000500080000000000
        08000f00000000000c001500010000000000000006001600520000001c010200010000000007aa00e01c030000000000
        a80500001802000000000000000000000000000000000000000000001c00000000000000240c00001c000000dc050000
        58fa00003e000000020000008800000044000000a8050000030000000000000090380000000000001cb0df0100000000
        ffffffffffffffff31f2000000000000000000000000000042000000410000000000000025000000000000003e000000
        68356a0100000000a00f000000000000000000000000000000000000000000003f0000000000000030f2000000000000
        00000000000000000000000000000000000000000000010000fc00000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000680013000a0001006d707463700000005800030008000100
        00000000080002001fedf6ec08000800c3000000050009000000000005000a00000000000800030031f200000c000400
        823a97eab556e607080005000100000008000600427257db0600070000000000
        """)
    /// TCP dump: a join the client opened, 198.18.2.1 -> 198.18.2.2, bound to device 3 (`Jjec`).
    static let subflowJoinIPv4 = hex(
        """
        0002000014000200030000001574000002010000a97b1451c6120201000000000000000000000000c612020200000000
        00000000000000000300000079010000000000000000000000000000000000000000000043fa06000500080000000000
        08000f00000000000c001500010000000000000006001600520000001c010200010000000007aa01e01c030000000000
        a8050000180200000000000000000000000000000000000000000000200c000000000000200c0000200c0000dc050000
        58fa00000900000004000000ffffff7f0a000000a8050000030000000000000090380000000000001d630f1201000000
        ffffffffffffffff01000000000000000000000000000000020000000200000000000000090000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000
        000000000000000000000000000000000000000000fc000000fc00000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000680013000a0001006d707463700000005800030008000100
        6197ea23080002001fedf6ec08000800cc000000050009000100000005000a000100000008000300010000000c000400
        823a97eab556e6070800050000000000080006002b5004070600070000000000
        """)
    /// TCP dump, AF_INET6: a join of 1356843423 to the announced 2001:db8:2::2.
    static let subflowJoinIPv6 = hex(
        """
        000200001400020004000000157400000a010000891d145120010db800020000000000000000000120010db800020000
        0000000000000002030000007f0100000000000000000000000000000000000000000000c2fc06000500080000000000
        08000f00000000000c001500010000000000000006001600120000001c010200010000000007aa01e01c030000000000
        94050000180200000000000000000000000000000000000000000000380c000000000000380c0000380c0000dc050000
        6cfa00000b00000005000000ffffff7f0a000000940500000300000000000000c837000000000000b44522dd00000000
        ffffffffffffffff010000000000000000000000000000000200000002000000000000000b0000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000
        000000000000000000000000000000000000000000fc0000000001000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000680013000a0001006d707463700000005800030008000100
        1836d23e080002009fc9df5008000800cc000000050009000200000005000a000100000008000300010000000c000400
        fcb9b36c57ac30ab080005000000000008000600f1d1848e0600070000000000
        """)
    /// TCP dump on the server: its initial subflow (`Mec`: MP_CAPABLE received, not sent).
    static let subflowInitialServer = hex(
        """
        000200001400020003000000807600000201000014519644c6120102000000000000000000000000c612010100000000
        000000000000000000000000830100000000000000000000000000000000000000000000b00507000500080000000000
        08000f00000000000c001500010000000000000006001600520000001c010200010000000007aa01e01c0300409c0000
        a8050000e803000000000000000000000000000000000000000000004c0c0000000000001000000010000000dc050000
        1d1201002500000012000000ffffff7f0a000000a80500000300000050c30000903800000000000059cba94200000000
        ffffffffffffffff000000000000000018f60000000000003f0000004100000000000000250000003f00000000000000
        000000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000
        000000000000000000000000000000000000000000fc0000000001000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000680013000a0001006d707463700000005800030008000100
        0000000008000200de2d62bc08000800c1000000050009000000000005000a000000000008000300010000000c000400
        f41e9e06a71074c10800050031f20000080006001e95e4c906000700e8030000
        """)
    /// GET_ADDR dump with token 3975605535: two entries, then NLMSG_DONE (one datagram).
    static let getAddrEntries = hex(
        """
        480000001c00020006000000178580830301000034000180060001000200000006000500000000000500020001000000
        0800060002000000080007000300000008000300c6120201
        480000001c00020006000000178580830301000034000180060001000200000006000500000000000500020000000000
        0800060002000000080007000200000008000300c6120101
        1400000003000200060000001785808300000000
        """)
    /// GET_ADDR dump with the token of an in-kernel-PM connection: NLMSG_DONE, -EINVAL, extack.
    static let getAddrRefused = hex(
        """
        3c0000000300020205000000c3f503ddeaffffff1e00010075736572737061636520504d206e6f742073656c65637465
        640000000800020014000000
        """)
    /// TCP dump: an ordinary TCP socket (no INET_DIAG_ULP_INFO).
    static let plainTCP = hex(
        """
        9801000014000200010000002579000002010000cf0814b4c6120101000000000000000000000000c612010200000000
        000000000000000000000000af1100000000000000000000000000000000000000000000681007000500080000000000
        08000f00000000000c001500010000000000000006001600520000001c010200010000000007aa01e01c030000000000
        a805000018020000000000000000000000000000000000000000000004020000000000000402000004020000dc050000
        58fa00002c00000016000000ffffff7f0a000000a8050000030000000000000090380000000000000bc80e3800000000
        ffffffffffffffff010000000000000000000000000000000200000001000000000000002c0000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000
        000000000000000000000000000000000000000088fe000000fc00000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000
        """)
    /// The NLMSG_DONE that ends a sock_diag dump.
    static let sockDiagDone = hex("1400000003000200010000002579000000000000")

    // MARK: Requests

    @Test func carriedNumbersMatchTheInstalledHeaders() {
        #expect(SockDiag.installedHeaderAgrees)
        #expect(MPTCPInfo.installedHeaderAgrees)
    }

    /// The MPTCP dump request the kernel accepted during the capture: protocol 262 in
    /// INET_DIAG_REQ_PROTOCOL, sdiag_protocol 0, INET_DIAG_INFO asked, every state.
    @Test func mptcpDumpRequest() {
        let bytes = InetDiagRequest.mptcpConnections(family: SockDiag.familyIPv4).encode(sequence: 1)
        #expect(
            bytes
                == hex(
                    """
                    50000000 1400 0103 01000000 00000000          // nlmsghdr: 80 bytes, SOCK_DIAG_BY_FAMILY, REQUEST|DUMP, seq 1
                    02 00 02 00 ffffffff                          // AF_INET, protocol 0, ext INFO, pad, all states
                    0000000000000000000000000000000000000000000000000000000000000000
                    00000000000000000000000000000000              // inet_diag_sockid: all zero
                    0800 0300 06010000                            // INET_DIAG_REQ_PROTOCOL = 262
                    """))
    }

    /// The TCP dump request: IPPROTO_TCP in sdiag_protocol, no attribute, and every state but
    /// TIME_WAIT (6), LISTEN (10) and NEW_SYN_RECV (12).
    @Test func tcpDumpRequest() {
        let states =
            InetDiagRequest.allStates & ~(TCPState.listen.mask | TCPState.timeWait.mask | TCPState.newSynReceived.mask)
        let bytes = InetDiagRequest.tcpSockets(family: SockDiag.familyIPv6, states: states).encode(sequence: 7)
        #expect(
            bytes
                == hex(
                    """
                    48000000 1400 0103 07000000 00000000
                    0a 06 02 00 bfebffff
                    0000000000000000000000000000000000000000000000000000000000000000
                    00000000000000000000000000000000
                    """))
        #expect(InetDiagAttribute.requestBit(InetDiagAttribute.info) == 0x02)
    }

    // MARK: MPTCP sockets

    @Test func clientConnectionIPv4() throws {
        let msk = try MPTCPConnectionSocket.decode(message(Self.mptcpClientIPv4))
        #expect(msk.socket.family == .ipv4)
        #expect(msk.socket.state == .established)
        #expect(msk.socket.local == endpoint("198.18.1.1", 51758))
        #expect(msk.socket.remote == endpoint("198.18.1.2", 5201))
        #expect(msk.socket.interface == nil)
        #expect(msk.socket.cookie == 4523)
        #expect(msk.socket.inode == 457283)
        #expect(msk.token == ConnectionToken(3975605535))
        #expect(msk.info?.length == 96)
        #expect(msk.info?.extraSubflows == 3)
        #expect(msk.info?.subflowsTotal == 4)
        #expect(msk.info?.remoteKeyReceived == true)
        #expect(msk.info?.isFallback == false)
        #expect(msk.description == "ESTABLISHED 198.18.1.1:51758 -> 198.18.1.2:5201 token 3975605535 subflows 4")
    }

    @Test func clientConnectionIPv6() throws {
        let msk = try MPTCPConnectionSocket.decode(message(Self.mptcpClientIPv6))
        #expect(msk.socket.family == .ipv6)
        #expect(msk.socket.local == endpoint("2001:db8:1::1", 37296))
        #expect(msk.socket.remote == endpoint("2001:db8:1::2", 5201))
        #expect(msk.token == ConnectionToken(1356843423))
        #expect(msk.info?.subflowsTotal == 6)
    }

    @Test func listenerHasNoToken() throws {
        let msk = try MPTCPConnectionSocket.decode(message(Self.mptcpListener))
        #expect(msk.socket.state == .listen)
        #expect(msk.socket.local == endpoint("0.0.0.0", 5201))
        #expect(msk.socket.remote == endpoint("0.0.0.0", 0))
        #expect(msk.token == nil)
        #expect(msk.info?.token == 0)
    }

    // MARK: Subflows

    @Test func clientInitialSubflow() throws {
        let subflow = try #require(try MPTCPSubflowSocket.decode(message(Self.subflowInitialClient)))
        #expect(subflow.socket.local == endpoint("198.18.1.1", 51758))
        #expect(subflow.socket.remote == endpoint("198.18.1.2", 5201))
        #expect(subflow.socket.inode == 457283, "a subflow reports its MPTCP socket's inode")
        #expect(subflow.mptcp.localToken == ConnectionToken(3975605535))
        #expect(subflow.mptcp.remoteToken == 0)
        #expect(subflow.mptcp.localID == .initial && subflow.mptcp.remoteID == .initial)
        #expect(subflow.mptcp.flags == [.mpCapableRemote, .mpCapableLocal, .fullyEstablished, .connected])
        #expect(subflow.mptcp.flags.description == "Mmec")
    }

    @Test func joinSubflowBoundToItsDevice() throws {
        let subflow = try #require(try MPTCPSubflowSocket.decode(message(Self.subflowJoinIPv4)))
        #expect(subflow.socket.local == endpoint("198.18.2.1", 43387))
        #expect(subflow.socket.remote == endpoint("198.18.2.2", 5201))
        #expect(subflow.socket.interface == InterfaceIndex(3))
        #expect(subflow.mptcp.localToken == ConnectionToken(3975605535))
        #expect(subflow.mptcp.remoteToken == 602576737)
        #expect(subflow.mptcp.localID == AddressID(1) && subflow.mptcp.remoteID == AddressID(1))
        #expect(subflow.mptcp.flags.description == "Jjec")
        #expect(
            subflow.description
                == "ESTABLISHED 198.18.2.1:43387 -> 198.18.2.2:5201 dev 3 token 3975605535 ids 1/1 flags Jjec")
    }

    @Test func joinSubflowIPv6() throws {
        let subflow = try #require(try MPTCPSubflowSocket.decode(message(Self.subflowJoinIPv6)))
        #expect(subflow.socket.family == .ipv6)
        #expect(subflow.socket.local == endpoint("2001:db8:2::1", 35101))
        #expect(subflow.socket.remote == endpoint("2001:db8:2::2", 5201))
        #expect(subflow.mptcp.localToken == ConnectionToken(1356843423))
        #expect(subflow.mptcp.localID == AddressID(1) && subflow.mptcp.remoteID == AddressID(2))
        #expect(subflow.mptcp.flags == [.joinRemote, .joinLocal, .fullyEstablished, .connected])
    }

    /// The server side's initial subflow lacks MCAP_LOC: the SYN with MP_CAPABLE came in.
    @Test func serverInitialSubflow() throws {
        let subflow = try #require(try MPTCPSubflowSocket.decode(message(Self.subflowInitialServer)))
        #expect(subflow.socket.local == endpoint("198.18.1.2", 5201))
        #expect(subflow.mptcp.localToken == ConnectionToken(3160550878))
        #expect(subflow.mptcp.flags.description == "Mec")
        #expect(!subflow.mptcp.flags.contains(.mpCapableLocal))
    }

    @Test func plainTCPSocketIsNoSubflow() throws {
        #expect(try MPTCPSubflowSocket.decode(message(Self.plainTCP)) == nil)
        let socket = try InetDiagSocket.decode(message(Self.plainTCP))
        #expect(socket.remote == endpoint("198.18.1.2", 5300))
        #expect(socket.attributes.contains(type: InetDiagAttribute.info))
    }

    // MARK: Dumps and the address table

    @Test func addressTableDump() throws {
        let messages = try NetlinkDatagram.split(Self.getAddrEntries)
        #expect(messages.count == 3)
        let data = try DiagDump.dataMessages(messages).get()
        let entries = try data.map { try MPTCPReply.address($0) }
        #expect(
            entries.map(\.description) == [
                "id 1 198.18.2.1 flags subflow dev 3", "id 0 198.18.1.1 flags subflow dev 2",
            ])
        #expect(try DiagDump.dataMessages([message(Self.sockDiagDone)]).get().isEmpty)
    }

    /// What tells recovery that a connection belongs to the in-kernel path manager.
    @Test func addressTableRefusedForInKernelConnections() throws {
        let result = try DiagDump.dataMessages([message(Self.getAddrRefused)])
        #expect(result == .failure(KernelError(code: .invalidArgument, message: "userspace PM not selected")))
    }

    @Test func dumpWithoutEndIsAnError() throws {
        let error = decodeFailure { _ = try DiagDump.dataMessages([message(Self.plainTCP)]) }
        #expect(error?.description == "value 1: dump ended without NLMSG_DONE")
        #expect(decodeFailure { _ = try DiagDump.dataMessages([]) } != nil)
    }
}

// MARK: - Malformed input

extension DiagTests {
    /// A `SOCK_DIAG_BY_FAMILY` message with this `inet_diag_msg` and attributes.
    static func diagMessage(_ body: [UInt8], _ attributes: (inout NetlinkMessageBuilder) -> Void = { _ in }) -> [UInt8]
    {
        var builder = NetlinkMessageBuilder(type: SockDiag.byFamily, flags: [.multi], sequence: 1)
        builder.putExtraHeader(body)
        attributes(&builder)
        return builder.finish()
    }

    /// The `inet_diag_msg` of the captured join subflow.
    static var joinStruct: [UInt8] { Array(subflowJoinIPv4[16..<88]) }

    /// A subflow message whose MPTCP nest holds what `nest` puts.
    static func subflowMessage(_ nest: (inout NetlinkMessageBuilder) -> Void) -> [UInt8] {
        diagMessage(joinStruct) { b in
            b.nested(InetDiagAttribute.ulpInfo) { ulp in
                ulp.putString(InetULPInfoAttribute.name, "mptcp")
                ulp.nested(InetULPInfoAttribute.mptcp) { nest(&$0) }
            }
        }
    }

    @Test func truncatedStruct() throws {
        let bytes = Self.diagMessage(Array(Self.joinStruct.prefix(40)))
        let error = decodeFailure { _ = try InetDiagSocket.decode(message(bytes)) }
        #expect(error?.reason == .truncatedHeader(what: "struct inet_diag_msg", needed: 72, available: 40))
    }

    @Test func wrongMessageType() throws {
        var bytes = Self.plainTCP
        bytes[4] = 0x1c  // a generic netlink family's type
        let error = decodeFailure { _ = try InetDiagSocket.decode(message(bytes)) }
        #expect(error?.reason == .unexpectedMessageType(0x1c, expected: "SOCK_DIAG_BY_FAMILY (20)"))
    }

    @Test func unknownAddressFamily() throws {
        var bytes = Self.plainTCP
        bytes[16] = 1  // AF_UNIX
        let error = decodeFailure { _ = try InetDiagSocket.decode(message(bytes)) }
        #expect(error?.reason == .invalidValue(nil, value: 1, reason: "idiag_family is not AF_INET or AF_INET6"))
    }

    @Test func attributeRunningPastTheMessage() throws {
        var bytes = Self.plainTCP
        bytes[88] = 0xff; bytes[89] = 0x0f  // first attribute claims 4095 bytes
        let error = decodeFailure { _ = try InetDiagSocket.decode(message(bytes)) }
        #expect(error?.context == ["inet_diag attributes"])
        if case .attributeLengthExceedsData = error?.reason {} else { Issue.record("\(String(describing: error))") }
    }

    @Test func subflowNestWithoutLocalToken() throws {
        let bytes = Self.subflowMessage { nest in
            nest.putU32(MPTCPSubflowAttribute.flags, 0xcc)
            nest.putU8(MPTCPSubflowAttribute.remoteID, 1)
            nest.putU8(MPTCPSubflowAttribute.localID, 1)
        }
        let error = decodeFailure { _ = try MPTCPSubflowSocket.decode(message(bytes)) }
        #expect(error?.reason == .missingAttribute(NetlinkAttributeName(2, "token_loc")))
        #expect(
            error?.description
                == "TCP socket ESTABLISHED 198.18.2.1:43387 -> 198.18.2.2:5201 dev 3: missing attribute token_loc (2)")
    }

    @Test func subflowIDOfTheWrongSize() throws {
        let bytes = Self.subflowMessage { nest in
            nest.putU32(MPTCPSubflowAttribute.tokenLocal, 7)
            nest.putU32(MPTCPSubflowAttribute.flags, 0xcc)
            nest.putU8(MPTCPSubflowAttribute.remoteID, 1)
            nest.putU16(MPTCPSubflowAttribute.localID, 1)
        }
        let error = decodeFailure { _ = try MPTCPSubflowSocket.decode(message(bytes)) }
        #expect(error?.reason == .attributeLength(NetlinkAttributeName(10, "id_loc"), expected: 1, actual: 2))
    }

    @Test func otherUpperLayerProtocolIsNoSubflow() throws {
        let bytes = Self.diagMessage(Self.joinStruct) { b in
            b.nested(InetDiagAttribute.ulpInfo) { $0.putString(InetULPInfoAttribute.name, "tls") }
        }
        #expect(try MPTCPSubflowSocket.decode(message(bytes)) == nil)
    }

    @Test func mptcpInfoTooShort() throws {
        let bytes = Self.diagMessage(Array(Self.mptcpClientIPv4[16..<88])) { b in
            b.putBytes(InetDiagAttribute.info, [UInt8](repeating: 0, count: 20))
        }
        let error = decodeFailure { _ = try MPTCPConnectionSocket.decode(message(bytes)) }
        #expect(error?.reason == .attributeLength(NetlinkAttributeName(2, "info"), expected: 43, actual: 20))
    }

    /// Every prefix and every single-byte corruption of the captures decodes or throws a
    /// NetlinkDecodeError: nothing traps, nothing reads past the end.
    @Test func cutAndCorruptedCapturesNeverTrap() {
        let captures = [
            Self.mptcpClientIPv4, Self.mptcpListener, Self.subflowInitialClient, Self.subflowJoinIPv6, Self.plainTCP,
        ]
        var thrown = 0
        for capture in captures {
            for length in stride(from: 16, to: capture.count, by: 3) {
                var bytes = Array(capture.prefix(length))
                bytes[0] = UInt8(length & 0xff); bytes[1] = UInt8(length >> 8)
                thrown += Self.decodeBoth(bytes)
            }
            for position in stride(from: 16, to: capture.count, by: 5) {
                var bytes = capture
                bytes[position] ^= 0xa5
                thrown += Self.decodeBoth(bytes)
            }
        }
        #expect(thrown > 0)
    }

    /// Decodes `bytes` as a subflow and as an MPTCP socket: 0 when both worked, 1 when a
    /// NetlinkDecodeError came; any other error is a failure.
    static func decodeBoth(_ bytes: [UInt8]) -> Int {
        do {
            _ = try MPTCPSubflowSocket.decode(message(bytes))
            _ = try MPTCPConnectionSocket.decode(message(bytes))
            return 0
        } catch is NetlinkDecodeError {
            return 1
        } catch {
            Issue.record("not a NetlinkDecodeError: \(error)")
            return 1
        }
    }
}
