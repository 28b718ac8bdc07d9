import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// Inputs the fuzz targets (fuzz/README.md) found, kept so the fixes stay without the fuzzer.
@Suite struct FuzzRegressionTests {
    /// fuzz-mptcp-command: an address nest with FAMILY AF_INET6 but no ADDR6 decoded as an
    /// IPv6 entry without address, which the encoder writes without FAMILY (there is no
    /// address), so it came back as IPv4: the command did not round-trip.
    @Test func anAddressNestWithFamilyButNoAddressRoundTrips() throws {
        var b = NetlinkMessageBuilder(type: 28, flags: [.request, .ack], sequence: 1)
        b.putGenericHeader(command: MPTCPCommandNumber.announce.rawValue, version: MPTCPFamily.version)
        b.putU32(MPTCPAttribute.token.rawValue, 2_520_197_847)
        b.nested(MPTCPAttribute.address.rawValue) { nest in
            nest.putU16(MPTCPAddressAttribute.family.rawValue, AddressFamily.ipv6.rawValue)
            nest.putU8(MPTCPAddressAttribute.id.rawValue, 6)
            nest.putU16(MPTCPAddressAttribute.port.rawValue, 47_003)
            nest.putU32(MPTCPAddressAttribute.flags.rawValue, AddressFlags.signal.rawValue)
        }
        let command = try MPTCPCommand(decoding: try NetlinkMessage(bytes: b.finish()))
        guard case .announce(_, let entry) = command else { Issue.record("\(command)"); return }
        #expect(entry == AddressEntry(family: .ipv4, address: nil, id: AddressID(6), port: 47_003, flags: .signal))
        let again = try MPTCPCommand(
            decoding: try NetlinkMessage(bytes: command.encode(familyID: 28, sequence: 1)), familyID: 28)
        #expect(again == command)
    }

    /// fuzz-mptcp-event: CREATED without FAMILY, SADDR4 and DADDR6 (and a second SPORT, DPORT):
    /// it decoded into a connection whose ends had two families, which the encoder (one FAMILY)
    /// wrote as an event that does not decode. Refused now, naming why.
    @Test func anEventWithEndsOfTwoFamiliesIsRefused() throws {
        let bytes = hex(
            """
            6c0000001c000000000000000000000001010000080001002512010108000700c612010206000900b799000006000a00
            85130000050003000600b8000a00000006000900b79d2b0014000600000000000000000006000a00b79c000005000300
            000000000500040000000000
            """)
        let message = try NetlinkMessage(bytes: bytes)
        let error = #expect(throws: NetlinkDecodeError.self) { try MPTCPEventDecoder.decode(message) }
        #expect(
            error?.description.contains("source and destination addresses are of different families") == true,
            "\(String(describing: error))")
        #expect(try MPTCPEventDecoder.decodeAttributes(message).attributes.family == nil)
    }
}
