import MPTCPWire
import SubflowConfiguration
import SubflowCore
import SubflowPolicy
import Testing

@testable import PathManagerHarness
@testable import SubflowTestSupport

@Suite struct PolicyRuleTests {
    func connection(
        side: ConnectionSide, local: String, _ localPort: UInt16, remote: String, _ remotePort: UInt16
    ) -> ConnectionState {
        ConnectionState(
            token: ConnectionToken(1), side: side, local: SocketEndpoint(IPAddress(local)!, port: localPort),
            remote: SocketEndpoint(IPAddress(remote)!, port: remotePort))
    }

    @Test func matchesEverySelector() throws {
        let rule = try PolicyRule(
            parsing:
                "side=server local-port=443 remote=198.18.0.0/15 remote-port=1024-65535 local=198.18.1.0/24 => signal")
        #expect(rule.policy == "signal")
        #expect(rule.matches(connection(side: .server, local: "198.18.1.2", 443, remote: "198.19.7.7", 50000)))
        #expect(!rule.matches(connection(side: .client, local: "198.18.1.2", 443, remote: "198.19.7.7", 50000)))
        #expect(!rule.matches(connection(side: .server, local: "198.18.1.2", 80, remote: "198.19.7.7", 50000)))
        #expect(!rule.matches(connection(side: .server, local: "198.18.1.2", 443, remote: "198.20.0.1", 50000)))
        #expect(!rule.matches(connection(side: .server, local: "198.18.1.2", 443, remote: "198.19.7.7", 80)))
        #expect(!rule.matches(connection(side: .server, local: "198.18.2.2", 443, remote: "198.19.7.7", 50000)))
    }

    @Test func prefixesMatchTheirFamilyAndV4MappedAddresses() throws {
        #expect(IPPrefix("198.18.0.0/15")!.contains(IPAddress("::ffff:198.19.1.1")!))
        #expect(!IPPrefix("198.18.0.0/15")!.contains(IPAddress("2001:db8::1")!))
        #expect(IPPrefix("2001:db8::/32")!.contains(IPAddress("2001:db8:ffff::1")!))
        #expect(!IPPrefix("2001:db8::/32")!.contains(IPAddress("2001:db9::1")!))
        #expect(IPPrefix("198.18.1.1")!.length == 32)
        #expect(IPPrefix("0.0.0.0/0")!.contains(IPAddress("203.0.113.9")!))
    }

    @Test(arguments: [
        ("side=server", "expected 'SELECTOR... => POLICY'"),
        ("side=both => x", "side=both: expected side=client or side=server"),
        ("remote=198.18.0.0/33 => x", "remote=198.18.0.0/33: expected an address or prefix"),
        ("remote-port=9-1 => x", "remote-port=9-1: expected a port"),
        ("colour=red => x", "unknown selector 'colour'"),
        ("=> x", "a rule needs at least one selector"),
        ("side=client => a b", "expected exactly one policy name"),
    ])
    func explainsMalformedRules(text: String, problem: String) {
        let error = #expect(throws: PolicyRuleError.self) { try PolicyRule(parsing: text) }
        #expect(error?.description.contains(problem) == true, "\(String(describing: error))")
    }
}

/// A policy that only records what it is told, to see dispatch from the outside.
final class RecordingPolicy: PathPolicy {
    static let name = "recorder"
    var events: [PolicyEvent] = []
    func handle(_ event: PolicyEvent) { events.append(event) }
}

@Suite struct MultiplePolicyTests {
    @Test func eachConnectionBelongsToTheFirstMatchingRulesPolicyAndNetworkEventsReachAll() throws {
        let h = try Harness()
        var recorder: RecordingPolicy?
        try h.manager.load(
            PolicyRegistration(name: "recorder", summary: "test") { _, _ in
                let r = RecordingPolicy(); recorder = r; return r
            }, settings: PolicySettings(), origin: "test")
        h.manager.selection = PolicySelection(rules: [try PolicyRule(parsing: "remote-port=8443 => recorder")])
        h.twoInterfaces()
        let networkEvents = recorder?.events.count ?? 0
        #expect(networkEvents == 6, "2 interfaces + 4 addresses reach the second policy too")

        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2", 443))  // default: fullmesh
        h.establish(h.connection(2, from: "198.18.1.1", 40001, to: "198.18.1.2", 8443))  // rule: recorder
        #expect(h.creates == ["198.18.2.1>198.18.1.2:443"], "fullmesh acted on connection 1 only")
        let seen = recorder?.events.dropFirst(networkEvents).compactMap { event -> UInt32? in
            if case .connectionEstablished(let c) = event { return c.token.rawValue } else { return nil }
        }
        #expect(seen == [2])
        #expect(h.manager.policyNames == ["fullmesh", "recorder"])
    }

    @Test func refusesToLoadTwoPoliciesOfTheSameName() throws {
        let h = try Harness()
        #expect(throws: PluginLoadError.self) {
            try h.manager.load(
                PolicyRegistration(name: "fullmesh", summary: "again") { _, _ in RecordingPolicy() },
                settings: PolicySettings(), origin: "second")
        }
    }

    @Test func namesRulesThatPointAtPoliciesNotLoaded() throws {
        let selection = PolicySelection(rules: [try PolicyRule(parsing: "side=server => signal-per-interface")])
        #expect(selection.unknownPolicies(loaded: ["fullmesh"]).map(\.policy) == ["signal-per-interface"])
    }
}
