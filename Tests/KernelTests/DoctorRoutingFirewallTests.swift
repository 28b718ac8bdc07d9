import Foundation
import SubflowFormats
import Testing

@testable import SubflowTestSupport

/// `subflowctl doctor` on routing, reverse-path filtering and firewall faults created in
/// namespaces (failure-mode table R1, R2, R3, F1, F2, F4): each finding appears with its id and
/// severity, its fix — run as printed — clears it, and a correctly routed two-path pair gives
/// none of them.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(5)))
struct DoctorRoutingFirewallTests {
    static let ids: Set<String> = [
        "no-per-source-routing", "bound-subflow-without-route", "strict-rp-filter", "firewall-drops-mptcp",
        "firewall-strips-mptcp-option", "firewall-drops-mp-join",
    ]

    struct Found {
        var id: String
        var severity: String
        var fix: String
        var evidence: [String]
    }

    /// `subflowctl doctor --netns NS --json`: the findings, after checking the exit status
    /// matches them.
    static func doctor(_ namespace: String) throws -> [Found] {
        let result = try BuiltProducts.subflowctl(["doctor", "--netns", namespace, "--json"])
        let report = try DoctorJSONReport(result.stdout)
        #expect(Int(result.status) == report.exitStatus, "\(result)")
        #expect(report.skipped.isEmpty, "\(result.stdout)")
        return report.findings.map { finding in
            Found(
                id: finding.id, severity: finding.severity, fix: finding.fix ?? "",
                evidence: finding.evidence.map { "\($0.what) = \($0.value)" })
        }
    }

    /// Runs a fix exactly as doctor printed it (commands joined by `;`, already wrapped in
    /// `ip netns exec`), without the explanation doctor adds in parentheses.
    static func runFix(_ fix: String) throws {
        let command = fix.components(separatedBy: " (").first ?? fix
        try Command.check(["sh", "-c", command])
    }

    /// The client without per-source routing for path B, with the two default routes a
    /// DHCP client leaves on a two-interface host (metric 100 on A, 200 on B).
    static func twoDefaultRoutes(_ net: TwoPathTopology) throws {
        try net.bed.check(
            net.client, ["ip", "route", "add", "default", "via", net.pathA.serverIPv4, "dev", "cli-a", "metric", "100"])
        try net.bed.check(
            net.client, ["ip", "route", "add", "default", "via", net.pathB.serverIPv4, "dev", "cli-b", "metric", "200"])
    }

    static func withoutSourceRule(_ net: TwoPathTopology, _ path: TwoPathTopology.Path) throws {
        try net.bed.check(
            net.client, ["ip", "-4", "rule", "del", "from", path.clientIPv4, "lookup", String(path.table)])
    }

    @Test func missingPerSourceRoutingIsAProblemAndItsFixClearsIt() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        try Self.twoDefaultRoutes(net)
        try Self.withoutSourceRule(net, net.pathB)
        let found = try Self.doctor(net.client).filter { $0.id == "no-per-source-routing" }
        try #require(found.count == 1, "\(found)")
        #expect(found[0].severity == "problem")
        #expect(found[0].evidence.contains { $0.contains("from 198.18.2.1") && $0.contains("dev cli-a") })
        #expect(found[0].fix.contains("ip rule add from 198.18.2.1 table"))
        #expect(found[0].fix.contains("default via 198.18.2.2 dev cli-b"))
        try Self.runFix(found[0].fix)
        #expect(try Self.doctor(net.client).filter { Self.ids.contains($0.id) }.isEmpty)
    }

    /// The peers are those of the namespace's MPTCP connections when it has any: here the
    /// server's path-A address, which the main table (connected routes only, no gateway)
    /// would not name. Without a connection nothing is looked up; with one, path B's missing
    /// rule shows, and the fix routes that peer's prefix through B's gateway.
    @Test func theRemoteAddressOfAnMPTCPConnectionIsThePeerLookedUp() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        try Self.withoutSourceRule(net, net.pathB)
        #expect(try Self.doctor(net.client).filter { $0.id == "no-per-source-routing" }.isEmpty)
        _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201, ["--bytes", "1k", "--hold", "120"])
        try waitUntil(
            "MPTCP connection", timeout: .seconds(10), observe: { client.trafficRecords.map(\.type) },
            until: { $0.contains("connected") })
        let found = try Self.doctor(net.client).filter { $0.id == "no-per-source-routing" }
        try #require(found.count == 1, "\(found)")
        #expect(found[0].severity == "problem")
        #expect(
            found[0].evidence.contains { $0.contains("ip route get 198.18.1.2 from 198.18.2.1 (MPTCP connection)") })
        #expect(found[0].fix.contains("ip route add 198.18.1.0/24 via 198.18.2.2 dev cli-b table"))
        try Self.runFix(found[0].fix)
        #expect(try Self.doctor(net.client).filter { Self.ids.contains($0.id) }.isEmpty)
    }

    @Test func boundSubflowWithOnlyTheOnLinkFallbackIsAWarningAndItsFixClearsIt() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        // Path B's table is empty (its rule falls through to main), main routes everything
        // but 198.18.9.0/24 through A: a subflow bound to cli-b can only guess "on link".
        try bed.check(net.client, ["ip", "-4", "route", "flush", "table", String(net.pathB.table)])
        try bed.check(net.client, ["ip", "route", "add", "default", "via", net.pathA.serverIPv4, "dev", "cli-a"])
        try bed.check(net.client, ["ip", "route", "add", "198.18.9.0/24", "via", net.pathB.serverIPv4, "dev", "cli-b"])
        let all = try Self.doctor(net.client)
        let found = all.filter { $0.id == "bound-subflow-without-route" }
        try #require(found.count == 1, "\(all)")
        #expect(found[0].severity == "warning")
        #expect(found[0].evidence.contains { $0.contains("from 198.18.2.1 oif cli-b") && $0.contains("on-link") })
        #expect(found[0].fix.contains("default via 198.18.2.2 dev cli-b"))
        try Self.runFix(found[0].fix)
        #expect(try Self.doctor(net.client).filter { Self.ids.contains($0.id) }.isEmpty)
    }

    @Test func strictReversePathFilterIsAProblemAndLooseModeClearsIt() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        try Self.twoDefaultRoutes(net)
        try Self.withoutSourceRule(net, net.pathB)
        try bed.sysctl(net.client, "net.ipv4.conf.all.rp_filter", "1")
        let found = try Self.doctor(net.client).filter { $0.id == "strict-rp-filter" }
        try #require(found.count == 1, "\(found)")
        #expect(found[0].severity == "problem")
        #expect(found[0].evidence.contains("net.ipv4.conf.all.rp_filter = 1"))
        #expect(found[0].evidence.contains { $0.contains("iif cli-b") && $0.contains("EINVAL") })
        try Self.runFix(found[0].fix)
        #expect(try bed.readSysctl(net.client, "net.ipv4.conf.all.rp_filter") == "2")
        #expect(try Self.doctor(net.client).filter { $0.id == "strict-rp-filter" }.isEmpty)
    }

    @Test func firewallRulesThatDropOrStripMPTCPAreProblemsAndDeletingThemClearsThem() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        for rule in [
            ["add", "table", "inet", "mp"],
            ["add", "chain", "inet", "mp", "out", "{ type filter hook output priority 0; }"],
            ["add", "chain", "inet", "mp", "in", "{ type filter hook input priority 0; }"],
            ["add", "rule", "inet", "mp", "out", "tcp", "option", "mptcp", "exists", "drop"],
            ["add", "rule", "inet", "mp", "in", "tcp", "option", "mptcp", "subtype", "1", "reject"],
            ["add", "rule", "inet", "mp", "out", "tcp", "flags", "syn", "reset", "tcp", "option", "mptcp"],
            ["add", "rule", "inet", "mp", "out", "tcp", "dport", "22", "accept"],
        ] {
            try bed.check(net.client, ["nft"] + rule)
        }
        let found = try Self.doctor(net.client).filter { Self.ids.contains($0.id) }
        #expect(
            found.map(\.id).sorted()
                == ["firewall-drops-mp-join", "firewall-drops-mptcp", "firewall-strips-mptcp-option"], "\(found)")
        #expect(found.allSatisfy { $0.severity == "problem" })
        #expect(
            found.contains {
                $0.evidence.contains("nft table inet mp chain out handle 3 = tcp option mptcp exists drop")
            })
        for finding in found { try Self.runFix(finding.fix) }
        #expect(try Self.doctor(net.client).filter { Self.ids.contains($0.id) }.isEmpty)
        let left = try bed.check(net.client, ["nft", "list", "ruleset"]).stdout
        #expect(left.contains("tcp dport 22 accept"), "only the MPTCP rules are deleted: \(left)")
    }

    static let hasIptables = FileManager.default.isExecutableFile(atPath: "/usr/sbin/iptables-save")

    /// Rules made with iptables (nf_tables back end) show in nft only as an opaque `xt`
    /// target: doctor finds them in iptables-save / ip6tables-save.
    @Test(.enabled(if: hasIptables, "iptables is not installed (scripts/install-deps.sh installs it)"))
    func iptablesRulesThatStripOrDropMPTCPAreProblemsAndDeletingThemClearsThem() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        try bed.check(
            net.client,
            [
                "iptables", "-t", "mangle", "-A", "POSTROUTING", "-p", "tcp", "--tcp-flags", "SYN", "SYN",
                "-j", "TCPOPTSTRIP", "--strip-options", "30",
            ])
        try bed.check(
            net.client, ["iptables", "-A", "OUTPUT", "-p", "tcp", "-m", "tcp", "--tcp-option", "30", "-j", "DROP"])
        try bed.check(
            net.client,
            [
                "ip6tables", "-t", "mangle", "-A", "OUTPUT", "-p", "tcp", "-j", "TCPOPTSTRIP", "--strip-options",
                "mss,30",
            ])
        try bed.check(
            net.client, ["iptables", "-A", "INPUT", "-p", "tcp", "-m", "tcp", "--dport", "22", "-j", "ACCEPT"])
        let found = try Self.doctor(net.client).filter { Self.ids.contains($0.id) }
        #expect(
            found.map(\.id).sorted()
                == ["firewall-drops-mptcp", "firewall-strips-mptcp-option", "firewall-strips-mptcp-option"], "\(found)")
        #expect(found.allSatisfy { $0.severity == "problem" })
        #expect(
            found.contains {
                $0.evidence.contains(
                    "ip6tables -t mangle chain OUTPUT = -A OUTPUT -p tcp -j TCPOPTSTRIP --strip-options 2,30")
            })
        for finding in found { try Self.runFix(finding.fix) }
        #expect(try Self.doctor(net.client).filter { Self.ids.contains($0.id) }.isEmpty)
        #expect(try bed.check(net.client, ["iptables-save"]).stdout.contains("--dport 22 -j ACCEPT"))
    }

    /// Per-source rules for both paths (TwoPathTopology's), two default routes and a strict
    /// reverse-path filter: correct routing, so none of these findings.
    @Test func correctlyRoutedTwoPathPairGivesNoneOfTheseFindings() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try TwoPathTopology(bed)
        try Self.twoDefaultRoutes(net)
        try bed.sysctl(net.client, "net.ipv4.conf.all.rp_filter", "1")
        let found = try Self.doctor(net.client).filter { Self.ids.contains($0.id) }
        #expect(found.isEmpty, "\(found.map { "\($0.id): \($0.evidence)" })")
    }
}
