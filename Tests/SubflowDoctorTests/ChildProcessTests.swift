import SubflowSystem
import Testing

/// The firewall check's way to run nft and iptables-save: output captured, exit status
/// reported, a missing tool named, and a hung or chatty tool killed instead of waited for.
@Suite struct ChildProcessTests {
    @Test func outputAndExitStatusOfATool() throws {
        let result = try ChildProcess.run(["sh", "-c", "printf 'one\\ntwo'; echo err >&2; exit 3"])
        #expect(result.outputText == "one\ntwo")
        #expect(result.exitStatus == 3)
    }

    @Test func aMissingToolIsNamed() {
        #expect(throws: ChildProcess.Failure.notInstalled("subflowd-no-such-tool")) {
            try ChildProcess.run(["subflowd-no-such-tool", "-j"])
        }
    }

    /// `sleep 600` against a 200 ms limit: killed, and the call returns long before 600 s.
    @Test func aToolThatHangsIsKilledAtTheTimeout() {
        #expect(throws: ChildProcess.Failure.timedOut("sleep", milliseconds: 200)) {
            try ChildProcess.run(["sleep", "600"], timeout: .milliseconds(200))
        }
    }

    @Test func aToolThatPrintsTooMuchIsKilled() {
        #expect(throws: ChildProcess.Failure.outputTooLarge("yes", limit: 100_000)) {
            try ChildProcess.run(["yes"], timeout: .seconds(60), outputLimit: 100_000)
        }
    }
}
