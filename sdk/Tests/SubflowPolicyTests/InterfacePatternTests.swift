import SubflowPolicy
import Testing

@Suite struct InterfacePatternTests {
    @Test(arguments: [
        ("eth0", "eth0", true), ("eth*", "eth10", true), ("eth*", "wlan0", false), ("wwan?", "wwan0", true),
        ("wwan?", "wwan10", false), ("*", "anything", true), ("*0", "veth0", true), ("e?h*", "eth0", true),
    ])
    func matchesLikeTheShell(pattern: String, name: String, expected: Bool) {
        #expect(InterfacePattern.matches(pattern, name) == expected)
    }

    @Test func acceptsOnlyNamesTheKernelAccepts() {
        #expect(InterfacePattern.isValid("wlan*") && InterfacePattern.isValid("enp0s31f6"))
        #expect(
            !InterfacePattern.isValid("") && !InterfacePattern.isValid("a/b") && !InterfacePattern.isValid("eth0:1"))
        #expect(!InterfacePattern.isValid("this-name-is-too-long"))
    }
}
