import Foundation
import Testing

@testable import SubflowTestSupport

/// `subflowctl doctor --probe ADDRESS:PORT` against an MPTCP server, a plain-TCP server, and
/// across firewalls that strip the MPTCP option or drop MP_JOIN, in both path managers.
/// The probe runs in the client namespace of a two-path topology; path B is the join.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(5)))
struct DoctorProbeTests {
    enum PathManager: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case kernel, userspace
        var testDescription: String { rawValue }
    }

    static let port = 5311

    /// Client and server; with the in-kernel PM a `subflow` endpoint on path B, with the
    /// userspace PM none (the probe opens the join itself). Both ends allow 2 subflows.
    static func topology(_ bed: Testbed, _ manager: PathManager) throws -> TwoPathTopology {
        let net = try TwoPathTopology(bed, clientSysctls: ["net.mptcp.path_manager": manager.rawValue])
        if manager == .kernel {
            try bed.check(
                net.client,
                ["ip", "mptcp", "endpoint", "add", net.pathB.clientIPv4, "dev", net.pathB.clientInterface, "subflow"])
        }
        for namespace in [net.client, net.server] {
            try bed.check(namespace, ["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"])
        }
        return net
    }

    /// An nft input rule in the server namespace.
    static func serverRule(_ bed: Testbed, _ net: TwoPathTopology, _ rule: String) throws {
        try bed.check(net.server, ["nft", "add", "table", "inet", "dprobe"])
        try bed.check(
            net.server, ["nft", "add", "chain", "inet", "dprobe", "in", "{ type filter hook input priority 0; }"])
        try bed.check(net.server, ["nft", "add", "rule", "inet", "dprobe", "in", rule])
    }

    static func probe(_ bed: Testbed, _ net: TwoPathTopology) throws -> (DoctorJSONReport, CommandResult) {
        let result = try BuiltProducts.subflowctl([
            "doctor", "--netns", net.client, "--probe", "\(net.pathA.serverIPv4):\(port)", "--json",
        ])
        let report = try DoctorJSONReport(result.stdout)
        #expect(report.checks.contains("probe"), "\(result)")
        return (report, result)
    }

    var initialPath: String { "198.18.1.1 → 198.18.1.2:\(Self.port)" }
    var joinPath: String { "198.18.2.1 → 198.18.1.2:\(Self.port)" }

    /// An MPTCP server: MP_CAPABLE accepted on path A, the join from B established, both with
    /// an RTT; nothing worse than information, exit status 0.
    @Test(arguments: PathManager.allCases)
    func mptcpServerWorksOnBothPaths(manager: PathManager) throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try Self.topology(bed, manager)
        _ = try bed.startTrafficServer(in: net.server, bind: net.pathA.serverIPv4, port: Self.port)
        let (report, result) = try Self.probe(bed, net)
        let initial = try #require(report.with("probe-path-mptcp").first, "\(result)")
        #expect(initial.severity == "info" && initial.value("path") == initialPath)
        #expect(initial.value("rtt")?.contains("ms") == true)
        let join = try #require(report.with("probe-join-ok").first, "\(result)\n\(bed.diagnostics)")
        #expect(join.value("path") == joinPath && join.value("rtt")?.contains("ms") == true)
        // The probe's own findings are all good news. The static checks run too and may
        // speak about the namespace itself (under the userspace PM no daemon runs in this
        // test's client namespace: `no-userspace-daemon`), so the exit status follows them.
        let probeFindings = report.findings.filter { Self.probeIDs.contains($0.id) }
        #expect(probeFindings.allSatisfy { $0.severity == "info" }, "\(result)")
        let others = report.findings.filter { !Self.probeIDs.contains($0.id) && $0.severity != "info" }
        #expect(others.isEmpty == (result.status == 0), "\(result)")
        if manager == .userspace { #expect(others.map(\.id) == ["no-userspace-daemon"], "\(result)") }
    }

    /// The ids `--probe` reports (docs/doctor/counters-and-probe.md).
    static let probeIDs: Set<String> = [
        "probe-path-mptcp", "probe-join-ok", "peer-not-mptcp", "mp-capable-stripped", "mp-capable-not-sent",
        "probe-connect-failed", "join-timed-out", "join-refused", "join-not-sent", "join-not-seen", "join-not-tried",
        "probe-joins-skipped",
    ]

    /// A plain-TCP server: the SYN/ACK has no MP_CAPABLE → `peer-not-mptcp` on path A, no join.
    @Test func plainTCPServerIsPeerNotMPTCP() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try Self.topology(bed, .kernel)
        _ = try bed.startTrafficServer(in: net.server, bind: net.pathA.serverIPv4, port: Self.port, ["--tcp"])
        let (report, result) = try Self.probe(bed, net)
        let finding = try #require(report.with("peer-not-mptcp").first, "\(result)")
        #expect(finding.severity == "problem" && finding.value("path") == initialPath)
        #expect(finding.value("counters moved")?.contains("MPTcpExtMPCapableFallbackSYNACK") == true)
        #expect(report.with("probe-path-mptcp").isEmpty && report.with("probe-join-ok").isEmpty)
        #expect(result.status == 2)
    }

    /// A firewall resetting the MPTCP option on every packet after the SYN: the SYN/ACK carried
    /// MP_CAPABLE, later packets lost it → `mp-capable-stripped` (the middlebox is proven).
    @Test func optionStrippedAfterTheHandshakeIsMPCapableStripped() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try Self.topology(bed, .kernel)
        try Self.serverRule(bed, net, "tcp flags ! syn reset tcp option mptcp")
        _ = try bed.startTrafficServer(in: net.server, bind: net.pathA.serverIPv4, port: Self.port)
        let (report, result) = try Self.probe(bed, net)
        let finding = try #require(report.with("mp-capable-stripped").first, "\(result)")
        #expect(finding.severity == "problem" && finding.value("path") == initialPath)
        #expect(report.with("probe-path-mptcp").isEmpty)
        #expect(result.status == 2)
    }

    /// A firewall resetting the option in the SYN: from the client this is indistinguishable
    /// from a non-MPTCP peer, and the probe says so (`peer-not-mptcp`, whose sentence names both).
    @Test func optionStrippedFromTheSYNLooksLikeAPeerWithoutMPTCP() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try Self.topology(bed, .kernel)
        try Self.serverRule(bed, net, "tcp flags syn reset tcp option mptcp")
        _ = try bed.startTrafficServer(in: net.server, bind: net.pathA.serverIPv4, port: Self.port)
        let (report, result) = try Self.probe(bed, net)
        #expect(report.with("peer-not-mptcp").first?.value("path") == initialPath, "\(result)")
        #expect(result.status == 2)
    }

    /// The server drops every MP_JOIN: path A works, the join from B stays in SYN-SENT →
    /// `join-timed-out` for path B.
    @Test(arguments: PathManager.allCases)
    func droppedJoinTimesOut(manager: PathManager) throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try Self.topology(bed, manager)
        try Self.serverRule(bed, net, "tcp option mptcp subtype 1 drop")
        _ = try bed.startTrafficServer(in: net.server, bind: net.pathA.serverIPv4, port: Self.port)
        let (report, result) = try Self.probe(bed, net)
        #expect(report.with("probe-path-mptcp").first?.value("path") == initialPath, "\(result)")
        let timedOut = try #require(report.with("join-timed-out").first, "\(result)\n\(bed.diagnostics)")
        #expect(timedOut.severity == "problem" && timedOut.value("path") == joinPath)
        #expect(report.with("probe-join-ok").isEmpty)
    }

    /// The server's in-kernel PM allows no extra subflow: it refuses the join → `join-refused`.
    @Test func joinBeyondThePeersLimitIsRefused() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try Self.topology(bed, .kernel)
        try bed.check(net.server, ["ip", "mptcp", "limits", "set", "subflows", "0"])
        _ = try bed.startTrafficServer(in: net.server, bind: net.pathA.serverIPv4, port: Self.port)
        let (report, result) = try Self.probe(bed, net)
        let refused = try #require(report.with("join-refused").first, "\(result)\n\(bed.diagnostics)")
        #expect(refused.severity == "problem" && refused.value("path") == joinPath)
    }

    /// Nothing listens: the connect is refused → `probe-connect-failed`; bad targets are refused
    /// before anything runs.
    @Test func nothingListeningAndBadTargets() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let net = try Self.topology(bed, .kernel)
        let (report, result) = try Self.probe(bed, net)
        #expect(report.with("probe-connect-failed").first?.severity == "problem", "\(result)")
        for bad in ["198.18.1.2", "host.example:80", "2001:db8::1:80", "198.18.1.2:0", "[2001:db8::1]80"] {
            let refused = try BuiltProducts.subflowctl(["doctor", "--probe", bad])
            #expect(refused.status == 64 && refused.stderr.contains("--probe"), "\(refused)")
        }
    }
}
