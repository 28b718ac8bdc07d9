import SubflowSystem
import Testing

@testable import SubflowDoctor

/// The firewall check never guesses: without any of its tools, or when one fails, it says
/// it was skipped and why.
@Suite struct FirewallCheckSkipTests {
    static func outcome(
        _ runTool: @escaping @Sendable ([String]) -> Result<String, ChildProcess.Failure>
    )
        -> CheckOutcome
    {
        var check = FirewallCheck()
        check.runTool = runTool
        return check.run(on: HostView(namespace: "ns1"))
    }

    @Test func noToolInstalledIsSkippedWithTheReason() {
        guard case .skipped(let reason) = Self.outcome({ .failure(.notInstalled($0[0])) }) else {
            Issue.record("expected skipped")
            return
        }
        #expect(reason == "nft is not installed (nor iptables-save)")
    }

    @Test func nftFailingIsSkippedNotClean() {
        let outcome = Self.outcome { arguments in
            arguments[0] == "nft"
                ? .failure(.timedOut("nft", milliseconds: 5000)) : .failure(.notInstalled(arguments[0]))
        }
        guard case .skipped(let reason) = outcome else {
            Issue.record("expected skipped")
            return
        }
        #expect(reason.contains("nft did not finish within 5000 ms"))
    }

    @Test func onlyIptablesInstalledIsEnough() {
        let outcome = Self.outcome { arguments in
            guard arguments[0] == "iptables-save" else { return .failure(.notInstalled(arguments[0])) }
            return .success(
                arguments[2] == "filter" ? "*filter\n-A OUTPUT -p tcp -m tcp --tcp-option 30 -j DROP\nCOMMIT\n" : "")
        }
        guard case .findings(let findings) = outcome else {
            Issue.record("expected findings")
            return
        }
        #expect(findings.map(\.id) == ["firewall-drops-mptcp"])
        #expect(findings.first?.fix?.hasPrefix("ip netns exec ns1 iptables -t filter -D OUTPUT") == true)
    }
}
