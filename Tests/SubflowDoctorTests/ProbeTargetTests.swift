import SubflowDoctor
import Testing

/// `--probe`'s ADDRESS:PORT.
@Suite struct ProbeTargetTests {
    @Test func addressesAndPortsParse() {
        #expect(ProbeTarget.parse("198.18.1.2:5201")?.description == "198.18.1.2:5201")
        #expect(ProbeTarget.parse("[2001:db8:1::2]:443")?.description == "[2001:db8:1::2]:443")
    }

    @Test(arguments: [
        "", "198.18.1.2", "198.18.1.2:", "198.18.1.2:0", "198.18.1.2:65536", "host.example:80",
        "2001:db8::1:80", "[2001:db8::1]80", "[2001:db8::1]:", "[nope]:80",
    ])
    func badTargetsAreRefused(text: String) {
        #expect(ProbeTarget.parse(text) == nil)
    }
}
