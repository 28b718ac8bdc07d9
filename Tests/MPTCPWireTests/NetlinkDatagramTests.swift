import MPTCPWire
import SubflowSystem
import Testing

@testable import SubflowTestSupport

@Suite("Netlink datagrams")
struct NetlinkDatagramTests {
    // Two messages in one datagram: an ack-shaped NLMSG_DONE (20 bytes, padded to 20) and a
    // 21-byte message padded to 24.
    static let twoMessages = hex(
        """
        14000000 0300 0200 07000000 00000000   // len 20, NLMSG_DONE, NLM_F_MULTI, seq 7, pid 0
        00000000                               // int status 0
        15000000 1c00 0000 08000000 2a000000   // len 21, type 28, flags 0, seq 8, pid 42
        0a010000 ff 000000                     // genl cmd 10 v1, one payload byte, 3 pad
        """)

    @Test func splitsMessagesAndKeepsExactLengths() throws {
        let messages = try NetlinkDatagram.split(Self.twoMessages)
        #expect(messages.count == 2)
        #expect(messages[0].type == 3)
        #expect(messages[0].flags == .multi)
        #expect(messages[0].sequence == 7)
        #expect(messages[0].bytes.count == 20)
        #expect(Array(messages[0].payload) == [0, 0, 0, 0])
        #expect(messages[1].type == 28)
        #expect(messages[1].sequence == 8)
        #expect(messages[1].portID == 42)
        #expect(messages[1].bytes.count == 21)
        #expect(Array(messages[1].payload) == [0x0a, 0x01, 0x00, 0x00, 0xff])
    }

    @Test func emptyDatagramHoldsNoMessage() throws {
        #expect(try NetlinkDatagram.split([]).isEmpty)
    }

    @Test func lastMessageWithoutPaddingIsAccepted() throws {
        let unpadded = Array(Self.twoMessages.dropLast(3))
        let messages = try NetlinkDatagram.split(unpadded)
        #expect(messages.count == 2)
        #expect(messages[1].bytes.count == 21)
    }

    @Test func lengthPastTheEndNamesTheMessage() {
        var bytes = Self.twoMessages
        bytes[20] = 40  // second message claims 40 bytes; 24 are left
        let error = decodeFailure { _ = try NetlinkDatagram.split(bytes) }
        #expect(error?.reason == .messageLengthExceedsData(length: 40, available: 24))
        #expect(error?.description == "message 2 of datagram: length 40 exceeds the 24 bytes left")
    }

    @Test func truncatedHeader() {
        let error = decodeFailure { _ = try NetlinkDatagram.split(Array(Self.twoMessages.prefix(29))) }
        #expect(error?.reason == .truncatedHeader(what: "netlink header", needed: 16, available: 9))
        #expect(error?.context == ["message 2 of datagram"])
    }

    @Test func zeroLengthMessage() {
        let error = decodeFailure { _ = try NetlinkDatagram.split([UInt8](repeating: 0, count: 16)) }
        #expect(error?.reason == .messageLengthTooSmall(length: 0))
        #expect(error?.description == "message 1 of datagram: length 0 is smaller than the 16-byte netlink header")
    }

    @Test func lengthBelowHeaderSize() {
        var bytes = Self.twoMessages
        bytes[0] = 15
        #expect(decodeFailure { _ = try NetlinkDatagram.split(bytes) }?.reason == .messageLengthTooSmall(length: 15))
    }

    /// libmnl's mnl_nlmsg_ok compares `(int)nlmsg_len` with the bytes left: a length of
    /// 2^31 or more is negative there and passes. The splitter must still refuse it.
    @Test func hugeLengthThatLibmnlWouldAccept() {
        var bytes = Self.twoMessages
        bytes[0...3] = [0x14, 0x00, 0x00, 0x80]  // 0x80000014
        let error = decodeFailure { _ = try NetlinkDatagram.split(bytes) }
        #expect(error?.reason == .messageLengthExceedsData(length: 0x8000_0014, available: 44))
    }

    @Test func singleMessageInit() throws {
        let one = Array(Self.twoMessages.prefix(20))
        #expect(try NetlinkMessage(bytes: one).type == 3)
        #expect(decodeFailure { _ = try NetlinkMessage(bytes: Self.twoMessages) } != nil)
    }

    @Test func realDumpDatagramsSplitIntoTheRecordedMessages() throws {
        let datagrams = try Captures.load("datagrams.hex")
        #expect(!datagrams.isEmpty)
        for datagram in datagrams {
            let messages = try NetlinkDatagram.split(datagram.bytes)
            #expect(messages.count == datagram.int("messages"), "\(datagram.what)")
            let total = messages.reduce(0) { $0 + ($1.bytes.count + 3) & ~3 }
            #expect(total == datagram.bytes.count)
        }
    }
}
