import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// Input the kernel would never send, and input cut or corrupted on the way: every case
/// gives a typed error that says where the problem is.
@Suite("Malformed input")
struct MalformedInputTests {
    /// SUB_ESTABLISHED, IPv4, token first.
    static let subEstablished = EventGoldenTests.cases[6].bytes
    static let created = EventGoldenTests.cases[0].bytes

    @Test func wrongAttributeLengthNamesEventAndAttribute() throws {
        // TOKEN with a 2-byte payload: nla_len 6 instead of 8 (the next attribute is kept aligned).
        var bytes = Self.created
        bytes[20] = 6
        let error = decodeFailure { _ = try MPTCPEventDecoder.decode(message(bytes)) }
        #expect(error?.reason == .attributeLength(NetlinkAttributeName(1, "token"), expected: 4, actual: 2))
        #expect(error?.description == "CREATED: attribute 1 (token): expected 4 bytes, got 2")
    }

    @Test func missingRequiredAttributeNamesEventAndAttribute() throws {
        // Retype TOKEN as attribute 99 (unknown, ignored): the token is then missing.
        var bytes = Self.subEstablished
        bytes[22] = 99
        let error = decodeFailure { _ = try MPTCPEventDecoder.decode(message(bytes)) }
        #expect(error?.reason == .missingAttribute(NetlinkAttributeName(1, "token")))
        #expect(error?.description == "SUB_ESTABLISHED: missing attribute token (1)")
        // ...while the generic view still decodes, listing the unknown type.
        let (_, a) = try MPTCPEventDecoder.decodeAttributes(message(bytes))
        #expect(a.unknownTypes == [99])
        #expect(a.token == nil)
    }

    @Test func missingBackupOnSubflowEvent() throws {
        var bytes = Self.subEstablished
        bytes[86] = 99  // BACKUP (type at offset 84+2) becomes unknown
        let error = decodeFailure { _ = try MPTCPEventDecoder.decode(message(bytes)) }
        #expect(error?.description == "SUB_ESTABLISHED: missing attribute backup (11)")
    }

    @Test func missingAddressForTheFamily() throws {
        // FAMILY says AF_INET6 while the addresses are IPv4.
        var bytes = Self.subEstablished
        bytes[32] = 10
        let error = decodeFailure { _ = try MPTCPEventDecoder.decode(message(bytes)) }
        #expect(error?.description == "SUB_ESTABLISHED: missing attribute saddr6 (6)")
        bytes[32] = 7
        let unknown = decodeFailure { _ = try MPTCPEventDecoder.decode(message(bytes)) }
        #expect(
            unknown?.reason
                == .invalidValue(NetlinkAttributeName(2, "family"), value: 7, reason: "unknown address family"))
    }

    @Test func unknownAttributesAreIgnored() throws {
        let extra = hex("0800 6300 deadbeef")  // attribute 99
        var bytes = Self.created + extra
        bytes[0] = UInt8(bytes.count)
        let event = try MPTCPEventDecoder.decode(message(bytes))
        #expect(event == EventGoldenTests.cases[0].event)
    }

    @Test func missingGenericHeader() throws {
        let bytes = hex("12000000 1c00 0000 00000000 00000000 0a01")
        let error = decodeFailure { _ = try MPTCPEventDecoder.decode(message(bytes)) }
        #expect(error?.reason == .truncatedHeader(what: "generic netlink header", needed: 4, available: 2))
    }

    @Test func notAnEventMessage() throws {
        let ack = hex("24000000 0200 0001 05000000 00000000  00000000  14000000 1c00 0500 05000000 00000000")
        let error = decodeFailure { _ = try MPTCPEventDecoder.decode(message(ack)) }
        #expect(error?.reason == .unexpectedMessageType(2, expected: "a generic netlink family message"))
        let wrongFamily = decodeFailure { _ = try MPTCPEventDecoder.decode(message(Self.created), familyID: 29) }
        #expect(wrongFamily?.reason == .unexpectedMessageType(28, expected: "family 29"))
    }

    @Test func attributeRunningPastTheMessage() throws {
        var bytes = Self.created
        bytes[92] = 0x20  // REM_ID (the last attribute) claims 32 bytes
        let error = decodeFailure { _ = try MPTCPEventDecoder.decode(message(bytes)) }
        #expect(
            error?.reason == .attributeLengthExceedsData(NetlinkAttributeName(4), offset: 72, length: 32, available: 8))
    }

    @Test func truncatedErrorReplies() throws {
        let short = hex("18000000 0200 0000 05000000 00000000  eaffffff 14000000")
        #expect(decodeFailure { _ = try NetlinkReply.decode(message(short)) }?.context == ["NLMSG_ERROR"])
        // The echoed request claims more bytes than the error message holds.
        let echo = hex(
            """
            2c000000 0200 0002 05000000 00000000   // NLMSG_ERROR, ACK_TLVS, not capped
            eaffffff                               // -EINVAL
            ff000000 1c00 0500 05000000 00000000   // echoed header: len 255
            0800 0100 41000000                     // "A"
            """)
        let error = decodeFailure { _ = try NetlinkReply.decode(message(echo)) }
        #expect(error?.context == ["NLMSG_ERROR", "echoed request"])
        // A positive error code is not a valid NLMSG_ERROR.
        var positive = short + hex("1c00 0500 05000000 00000000")
        positive[0] = UInt8(positive.count)
        positive[16] = 22; positive[17] = 0; positive[18] = 0; positive[19] = 0
        #expect(decodeFailure { _ = try NetlinkReply.decode(message(positive)) } != nil)
    }

    @Test func doneWithANegativeStatusIsAFailure() throws {
        let done = hex(
            """
            20000000 0300 0202 09000000 00000000   // NLMSG_DONE, MULTI|ACK_TLVS, seq 9
            f4ffffff                               // -12 ENOMEM
            0c00 0100 6e6f206d 656d0000            // NLMSGERR_ATTR_MSG "no mem"
            """)
        #expect(
            try NetlinkReply.decode(message(done))
                == .failure(sequence: 9, KernelError(code: .outOfMemory, message: "no mem")))
    }

    @Test func garbageNeverDecodesSilently() {
        let garbage: [[UInt8]] = [
            [0xff],
            [UInt8](repeating: 0xff, count: 16),
            [UInt8](repeating: 0x00, count: 40),
            hex("10000000 1c00 0000 00000000 00000000"),  // header only: no genl header
        ]
        for bytes in garbage {
            let outcome = Result { () throws(NetlinkDecodeError) -> MPTCPEvent in
                let messages = try NetlinkDatagram.split(bytes)
                guard let first = messages.first else {
                    throw NetlinkDecodeError(.truncatedHeader(what: "x", needed: 1, available: 0))
                }
                return try MPTCPEventDecoder.decode(first)
            }
            if case .success(let event) = outcome { Issue.record("decoded \(event) from \(hexString(bytes))") }
        }
    }

    @Test func truncatedRouteMessages() throws {
        let link = hex("18000000 1000 0000 00000000 00000000 00000000 00000000")  // 8 of 16 ifinfomsg bytes
        let error = decodeFailure { _ = try RouteNetlinkMessage.decode(message(link)) }
        #expect(error?.description == "RTM_NEWLINK: struct ifinfomsg needs 16 bytes, only 8 left")
        let noName = hex("20000000 1000 0000 00000000 00000000  00000100 02000000 43100100 00000000")
        #expect(
            decodeFailure { _ = try RouteNetlinkMessage.decode(message(noName)) }?.description
                == "RTM_NEWLINK: missing attribute IFLA_IFNAME (3)")
        let address = hex("1c000000 1400 0000 00000000 00000000  02180000 03000000 0800 0100")
        #expect(decodeFailure { _ = try RouteNetlinkMessage.decode(message(address)) } != nil)
    }
}
