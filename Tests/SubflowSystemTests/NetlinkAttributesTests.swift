import MPTCPWire
import SubflowSystem
import Testing

@testable import SubflowTestSupport

@Suite("Netlink attributes")
struct NetlinkAttributesTests {
    static let sample = hex(
        """
        0800 0100 44332211          // type 1, u32 0x11223344
        0500 0200 07 000000         // type 2, u8 7 (+3 pad)
        0600 0300 b799 0000         // type 3, be16 47001 (+2 pad)
        0c00 0480 0600 0100 0a00 0000 // type 4 | NLA_F_NESTED: { type 1, u16 10 }
        0a00 0500 65746830 0000 0000  // type 5, "eth0\\0" + 1 byte + 2 pad
        0800 0140 55667788          // type 1 | NLA_F_NET_BYTEORDER, again: last wins
        """)

    @Test func parsesTypesFlagsAndPayloads() throws {
        let a = try NetlinkAttributes(parsing: Self.sample)
        #expect(a.count == 6)
        #expect(a.map(\.type) == [1, 2, 3, 4, 5, 1])
        #expect(a[3].isNested)
        #expect(!a[0].isNested)
        #expect(a[5].isNetworkByteOrder)
        #expect(a.types == [1, 2, 3, 4, 5])
        #expect(a.map(\.offset) == [0, 8, 16, 24, 36, 48])
        #expect(Array(a[1].payload) == [7])
    }

    @Test func typedAccessors() throws {
        let a = try NetlinkAttributes(parsing: Self.sample)
        #expect(try a.u32(1) == 0x8877_6655)  // the last TOKEN wins, as in nla_parse
        #expect(try a.all[0].u32() == 0x1122_3344)
        #expect(try a.u8(2) == 7)
        #expect(try a.be16(3) == 47001)
        #expect(try a.u16(3) == 0x99b7)
        #expect(try a.nested(4)?.u16(1) == 10)
        #expect(try a.string(5) == "eth0")
        #expect(try a.u32(9) == nil)
        #expect(try a.bytes(1, count: 4) == [0x55, 0x66, 0x77, 0x88])
        #expect(try a.s32(1) == Int32(bitPattern: 0x8877_6655))
    }

    @Test func wrongLengthNamesAttributeAndSizes() throws {
        let a = try NetlinkAttributes(parsing: Self.sample)
        let error = decodeFailure { _ = try a.u32(3, name: "token") }
        #expect(error?.reason == .attributeLength(NetlinkAttributeName(3, "token"), expected: 4, actual: 2))
        #expect(error?.description == "attribute 3 (token): expected 4 bytes, got 2")
        #expect(decodeFailure { _ = try a.u8(1) }?.description == "attribute 1: expected 1 bytes, got 4")
        #expect(
            decodeFailure { _ = try a.u64(1) }?.reason
                == .attributeLength(NetlinkAttributeName(1), expected: 8, actual: 4))
        #expect(
            decodeFailure { _ = try a.bytes(1, count: 16) }?.reason
                == .attributeLength(NetlinkAttributeName(1), expected: 16, actual: 4))
        #expect(decodeFailure { _ = try a.string(1) }?.reason == .unterminatedString(NetlinkAttributeName(1)))
    }

    @Test func requireNamesTheMissingAttribute() throws {
        let a = try NetlinkAttributes(parsing: Self.sample)
        let error = decodeFailure { _ = try a.require(9, name: "if_idx") }
        #expect(error?.description == "missing attribute if_idx (9)")
        #expect(try a.require(2).u8() == 7)
    }

    @Test func emptyInputHasNoAttributes() throws {
        #expect(try NetlinkAttributes(parsing: []).isEmpty)
        #expect(try NetlinkAttributes(parsing: [0x04, 0x00, 0x07, 0x00]).first?.payload.isEmpty == true)
    }

    @Test func attributeLengthPastTheEnd() {
        var bytes = Self.sample
        bytes[48] = 0x10  // last attribute claims 16 bytes, 8 are left
        let error = decodeFailure { _ = try NetlinkAttributes(parsing: bytes) }
        #expect(
            error?.reason == .attributeLengthExceedsData(NetlinkAttributeName(1), offset: 48, length: 16, available: 8))
        #expect(error?.description == "attribute 1 at offset 48: length 16 exceeds the 8 bytes left")
    }

    @Test func attributeLengthBelowHeader() {
        let error = decodeFailure { _ = try NetlinkAttributes(parsing: [0x02, 0x00, 0x01, 0x00, 0, 0, 0, 0]) }
        #expect(error?.reason == .attributeLengthTooSmall(NetlinkAttributeName(1), offset: 0, length: 2))
    }

    @Test func strayBytesAfterLastAttribute() {
        let error = decodeFailure { _ = try NetlinkAttributes(parsing: Self.sample + [1, 2]) }
        #expect(error?.reason == .truncatedAttributeHeader(offset: 56, available: 2))
    }

    @Test func errorsInsideANestNameTheNest() throws {
        let bytes = hex("0c00 0780 0600 0100 0a00") + [0, 0]  // nest 7 holding a 6-byte attr whose...
        var broken = bytes
        broken[4] = 0x0a  // inner attribute claims 10 bytes, 8 are left
        let a = try NetlinkAttributes(parsing: broken)
        let error = decodeFailure { _ = try a.nested(7, name: "mcast_groups") }
        #expect(error?.context == ["attribute 7 (mcast_groups)"])
    }

    @Test func unalignedSliceParsesLikeAnArray() throws {
        let shifted = [0xee] + Self.sample
        let a = try NetlinkAttributes(parsing: shifted[1...])
        #expect(try a.u32(1) == 0x8877_6655)
        #expect(try a.string(5) == "eth0")
    }
}
