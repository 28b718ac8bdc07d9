import MPTCPWire
import SubflowSystem
import Testing

@testable import SubflowTestSupport

@Suite("Netlink message builder")
struct NetlinkBuilderTests {
    @Test func buildsHeaderGenlHeaderAttributesAndNests() {
        var b = NetlinkMessageBuilder(type: 0x1c, flags: [.request, .ack], sequence: 0x0102_0304, portID: 9)
        b.putGenericHeader(command: 8, version: 1)
        b.putU32(4, 0x1122_3344)
        b.nested(1) { nest in
            nest.putU16(1, 2)
            nest.putU8(2, 5)
            nest.putBytes(3, [198, 18, 1, 1])
        }
        b.putString(2, "ab")
        b.putS32(7, -1)
        b.putBE16(9, 47001)
        let expected = hex(
            """
            50000000 1c00 0500 04030201 09000000   // len 80, type 28, REQUEST|ACK, seq, pid 9
            08 01 0000                             // genl: cmd 8, version 1
            0800 0400 44332211                     // u32
            1c00 0180                              // nest 1 | NLA_F_NESTED, 28 bytes
              0600 0100 0200 0000                  //   u16 2
              0500 0200 05 000000                  //   u8 5
              0800 0300 c6120101                   //   4 raw bytes
            0700 0200 616200 00                    // "ab\\0" + pad
            0800 0700 ffffffff                     // s32 -1
            0600 0900 b799 0000                    // be16 47001
            """)
        #expect(b.finish() == expected)
    }

    @Test func growsPastItsInitialBuffer() throws {
        var b = NetlinkMessageBuilder(type: 20, flags: [.request], sequence: 1)
        for i in 0..<200 { b.putU32(UInt16(i % 100 + 1), UInt32(i)) }
        b.putBytes(300, [UInt8](repeating: 0xab, count: 1000))
        let bytes = b.finish()
        #expect(bytes.count == 16 + 200 * 8 + 1004)
        let m = try NetlinkMessage(bytes: bytes)
        let a = try NetlinkAttributes(parsing: m.payload)
        #expect(a.count == 201)
        #expect(try a.bytes(300, count: 1000)?.allSatisfy { $0 == 0xab } == true)
    }

    @Test func extraHeaderIsPaddedToFourBytes() {
        var b = NetlinkMessageBuilder(type: 18, flags: [.request, .dump], sequence: 3)
        b.putExtraHeader([1, 2, 3, 4, 5])
        #expect(b.finish() == hex("18000000 1200 0103 03000000 00000000  0102030405 000000"))
    }
}
