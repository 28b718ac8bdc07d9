import SubflowPolicy
import Testing

@Suite struct IPAddressTests {
    @Test(arguments: [
        "198.18.0.1", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::", "::1",
        "2001:db8:0:1:1:1:1:1", "fe80::1:2", "::ffff:198.18.0.1", "2001:db8::",
    ])
    func roundTripsCanonicalText(_ text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.description == text)
        #expect(IPAddress(bytes: address.bytes) == address)
    }

    @Test func canonicalisesIPv6PerRFC5952() {
        #expect(IPAddress("2001:0db8:0000:0000:0000:0000:0000:0001")?.description == "2001:db8::1")
        #expect(IPAddress("2001:db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("2001:db8::1:0:0:0")?.description == "2001:db8:0:0:1::")
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1::2::3", "12345::", "::g", "1:2:3:4:5:6:7:8:9",
    ])
    func rejectsMalformedText(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func classifiesAddresses() {
        #expect(IPAddress("127.0.0.1")!.isLoopback)
        #expect(IPAddress("::1")!.isLoopback)
        #expect(IPAddress("169.254.3.4")!.isLinkLocal)
        #expect(IPAddress("fe80::1")!.isLinkLocal)
        #expect(!IPAddress("198.18.0.1")!.isLinkLocal)
        #expect(IPAddress("::ffff:198.18.0.1")!.unmappedIPv4 == IPAddress("198.18.0.1"))
        #expect(IPAddress("198.18.0.1")!.bytes == [198, 18, 0, 1])
    }
}
