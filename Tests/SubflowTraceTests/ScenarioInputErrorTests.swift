import SubflowFormats
import SubflowSystem
import SubflowTrace
import Testing

@testable import SubflowTestSupport

/// Bad scenario input is an error naming the line and the value (cut and escaped), never a
/// Swift trap (defect 12: `address` alone, `at 1e20`, `at inf`, `at 1e16`, a 70,000-character
/// interface name trapped `subflowctl trace build`) nor a silent default (`local-id 300` was 0).
@Suite struct ScenarioInputErrorTests {
    static let header = "link eth0 index 2 up\naddress 198.18.1.1/24 on eth0\n"
    static let subflow = "subflow established 1 198.18.1.1:1 -> 198.18.1.2:2"

    @Test(arguments: [
        ("address", "expected 'address [removed] ADDRESS/LEN on NAME'"),
        ("at 1e20 idle", "'at' needs a time in seconds from 0 to 1000000 (not '1e20')"),
        ("at inf idle", "(not 'inf')"),
        ("at 1e16 idle", "(not '1e16')"),
        ("at nan idle", "(not 'nan')"),
        ("at -1 idle", "(not '-1')"),
        ("at 1000000.001 idle", "(not '1000000.001')"),
        ("\(subflow) local-id 300", "local-id '300': expected a number from 0 to 255"),
        ("\(subflow) remote-id -1", "remote-id '-1': expected a number from 0 to 255"),
        ("\(subflow) error 256", "error '256': expected a number from 0 to 255"),
        ("\(subflow) reset 4294967296", "reset '4294967296': expected a number from 0 to 4294967295"),
        ("\(subflow) local-id", "local-id needs a value"),
        ("peer announces 1 id 300 198.18.1.2:2", "id '300': expected a number from 0 to 255"),
        ("peer removes 1 id x", "id 'x': expected a number from 0 to 255"),
        ("connection 4294967296 closed", "'4294967296' is not a connection token"),
        ("address 198.18.1.9/33 on eth0", "'198.18.1.9/33' is not ADDRESS/LENGTH"),
        ("link eth0 index 2147483648 up", "index '2147483648': expected a number from 1 to 2147483647"),
        ("link a/b index 3 up", "'a/b' is not an interface name"),
        // fuzz-scenario: a trace built from ends of two families did not decode.
        (
            "subflow established 32 [::]:0 -> 198.18.1.2:443",
            "'[::]:0' -> '198.18.1.2:443': both ends of a socket have one family"
        ),
        ("connection 1 established client 198.18.1.1:1 -> [2001:db8::2]:2", "both ends of a socket have one family"),
        ("link abcdefghijklmnop index 3 up", "'abcdefghijklmnop' is not an interface name: 1 to 15 bytes"),
    ])
    func badStatementIsAnErrorNamingTheLine(statement: String, problem: String) {
        let error = #expect(throws: ScenarioError.self) { try Scenario.build(Self.header + statement + "\n") }
        #expect(error?.line == 3, "\(String(describing: error))")
        #expect(error?.problem.contains(problem) == true, "\(String(describing: error))")
    }

    @Test func aHugeInterfaceNameIsCutInTheError() {
        let name = String(repeating: "x", count: 70_000)
        let error = #expect(throws: ScenarioError.self) { try Scenario.build("link \(name) index 2 up\n") }
        #expect(error?.line == 1)
        let text = error?.description ?? ""
        #expect(
            text.contains(
                "'" + String(repeating: "x", count: InputExcerpt.defaultLimit)
                    + "… (70000 bytes)' is not an interface name"),
            "\(text.prefix(300))")
        #expect(text.utf8.count < 300)
    }

    @Test func controlCharactersInAValueAreEscaped() {
        let error = #expect(throws: ScenarioError.self) { try Scenario.build("connection 1\u{1b}[2J\u{0} closed\n") }
        #expect(
            error?.description == "line 1: '1\\x1B[2J\\0' is not a connection token (a number from 0 to 4294967295)",
            "\(String(describing: error))")
    }

    @Test func numbersInRangeStillBuild() throws {
        let trace = try Scenario.build(
            Self.header + "at 1000000 \(Self.subflow) local-id 255 remote-id 0 error 111 reset 4294967295\n")
        #expect(trace.count == 4)
        #expect(trace.last!.timestampMicroseconds == 1_700_000_000_000_000 + 1_000_000_000_000)
    }
}
