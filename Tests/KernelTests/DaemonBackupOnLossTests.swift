import Foundation
import Testing

@testable import SubflowTestSupport

/// subflowd + backup-on-loss against the real kernel. The client namespace runs the userspace
/// path manager and `subflowd --policy backup-on-loss` with cli-a as the primary interface and
/// cli-b as the backup; the server runs the in-kernel path manager. Paths are shaped to
/// 50 Mbit/s. What happened is read from the kernel (`ss -tni`: subflows, their `b`/`B`
/// backup flags — `b` this host's, `B` the peer's — and per-subflow byte counters) and from
/// the traffic tool's records, never from the daemon's log.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct DaemonBackupOnLossTests {
    static let userspace: KeyValuePairs<String, String> = ["net.mptcp.path_manager": "userspace"]

    /// A transfer from the client's primary address, with subflowd in the client namespace.
    struct Running {
        var bed: Testbed
        var net: TwoPathTopology
        var daemon: BackgroundProcess
        var server: BackgroundProcess
        var client: BackgroundProcess
        var token: UInt32

        var primary: String { net.pathA.clientIPv4 }
        var backup: String { net.pathB.clientIPv4 }

        func clientSubflows() throws -> [KernelSubflow] {
            try KernelProbe.establishedSubflows(bed, in: net.client, token: token)
        }

        /// The server's end of the subflows coming from `address` (its view of the flags and bytes).
        func serverSubflows(from address: String) throws -> [KernelSubflow] {
            try KernelProbe.subflows(bed, in: net.server).filter { $0.isEstablished && $0.remoteAddress == address }
        }

        /// Takes the client's end of a path down or up with the traffic tool (SIOCSIFFLAGS) and
        /// returns CLOCK_MONOTONIC just before the change. Up also restores the path's source route.
        @discardableResult
        func setLink(_ path: TwoPathTopology.Path, up: Bool) throws -> UInt64 {
            let output = try bed.check(
                net.client,
                [
                    try BuiltProducts.subflowTraffic, "link", path.clientInterface,
                    up ? "up" : "down",
                ]
            ).stdout
            let record = try JSONDecoder().decode(ReceiverRecord.self, from: Data(output.utf8))
            if up {
                _ = try bed.run(
                    net.client,
                    [
                        "ip", "-4", "route", "replace", "default", "via", path.serverIPv4,
                        "dev", path.clientInterface, "table", String(path.table),
                    ])
            }
            return try #require(record.beforeNanoseconds)
        }

        /// The server's receive reports so far.
        var received: [ReceiverRecord] { ReceiverRecord.parse(server.stdoutLines) }

        /// Fails with what the daemon logged and what the testbed did.
        func explain(_ what: String) -> Comment { "\(what)\n--- subflowd ---\n\(daemon.stderr)\n\(bed.diagnostics)" }
    }

    func start(_ bed: Testbed, mode: String, seconds: Int = 3) throws -> Running {
        let net = try TwoPathTopology(bed, rate: "50mbit", clientSysctls: Self.userspace)
        try bed.check(net.server, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        let daemon = try bed.startDaemon(
            in: net.client, policy: "backup-on-loss",
            [
                "--set", "primary=\(net.pathA.clientInterface)", "--set", "backup=\(net.pathB.clientInterface)",
                "--set", "mode=\(mode)", "--set", "hold-time-ms=500",
            ])
        let server = try bed.startTrafficServer(
            in: net.server, bind: "0.0.0.0", port: 5201,
            ["--report-interval", "50", "--gap-report", "1"])
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201,
            ["--seconds", String(seconds)])
        let connected = try waitUntil(
            "client connected", timeout: .seconds(5),
            observe: { client.trafficRecords.first { $0.type == "connected" } },
            until: { $0 != nil })
        let token = try #require(connected?.token, "\(bed.diagnostics)")
        return Running(bed: bed, net: net, daemon: daemon, server: server, client: client, token: token)
    }

    /// The link went down at `down`: data must keep arriving at the server, on the backup
    /// subflow (the kernel's byte counter of the server's end of it grows beyond what it had
    /// received when the link went down, `backupBytesBefore`). Every wait is on the state with
    /// a generous deadline: on a busy machine the waits before this one may take longer than
    /// any fixed window after `down`.
    func expectTrafficContinues(_ run: Running, after down: UInt64, backupBytesBefore: UInt64) throws {
        let samples = try waitUntil(
            "300 ms of receive samples after the link went down", timeout: .seconds(15),
            observe: { run.received.filter { $0.type == "received" } },
            until: { $0.last.map { ($0.monotonicNanoseconds ?? 0) > down + 300_000_000 } ?? false })
        let atDown = samples.last { ($0.monotonicNanoseconds ?? 0) <= down }?.bytes ?? 0
        let later = samples.last?.bytes ?? 0
        #expect(
            later > atDown + 500_000,
            run.explain("bytes stopped arriving at the server after the primary link went down: \(atDown) → \(later)"))
        let resumed = run.received.first { $0.type == "gap" && ($0.toNanoseconds ?? 0) > down }
        if let resumed, let to = resumed.toNanoseconds {
            let milliseconds = Double(to - down) / 1e6
            print("backup-on-loss: first bytes at the server \(milliseconds) ms after the primary link went down")
            #expect(milliseconds < 1000, run.explain("the backup took \(milliseconds) ms to carry the traffic"))
        }
        var backupBytesAfter = backupBytesBefore
        _ = try? waitUntil(
            "500 kB more on the server's end of the backup subflow", timeout: .seconds(15),
            observe: {
                backupBytesAfter = try run.serverSubflows(from: run.backup).first?.bytesReceived ?? 0
                return backupBytesAfter
            },
            until: { $0 > backupBytesBefore + 500_000 })
        #expect(
            backupBytesAfter > backupBytesBefore + 500_000,
            run.explain(
                "the server's end of the backup subflow received \(backupBytesBefore) → \(backupBytesAfter) bytes"))
    }

    /// The transfer ends with every byte delivered.
    func expectCompleteTransfer(_ run: Running) throws {
        #expect(run.client.waitForExit(timeout: .seconds(15)) == 0, run.explain("client"))
        #expect(run.server.waitForExit(timeout: .seconds(5)) == 0, run.explain("server"))
        let sent = try #require(run.client.trafficRecords.first { $0.type == "summary" }, run.explain("no summary"))
        let received = try #require(run.received.first { $0.type == "connection" }, run.explain("no connection record"))
        #expect(received.bytes == sent.bytes && (sent.bytes ?? 0) > 0)
        #expect(run.daemon.isRunning)
    }

    /// standby: the backup subflow exists from the start, flagged backup on both ends; when
    /// the primary link goes down it loses the flag and carries the transfer, the dead primary
    /// subflow is closed; when the link is back for the hold time a primary subflow is opened
    /// again and the backup subflow is flagged backup again.
    @Test func standbyFailsOverAtOnceAndRestoresAfterTheHoldTime() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let run = try start(bed, mode: "standby")

        let standby = try waitUntil(
            "a primary and a flagged backup subflow", timeout: .seconds(5),
            observe: { try run.clientSubflows() },
            until: { $0.count == 2 && $0.contains { $0.localAddress == run.backup && $0.flags?.contains("b") == true } }
        )
        #expect(standby.contains { $0.localAddress == run.primary && $0.flags?.contains("b") == false }, "\(standby)")
        #expect(
            standby.first { $0.localAddress == run.backup }?.device == run.net.pathB.clientInterface,
            "bound to its device")
        #expect(
            try run.serverSubflows(from: run.backup).first?.flags?.contains("B") == true, "the peer got the backup bit")
        Thread.sleep(forTimeInterval: 0.3)

        let backupBytes = try run.serverSubflows(from: run.backup).first?.bytesReceived ?? 0
        let down = try run.setLink(run.net.pathA, up: false)
        let failedOver = try waitUntil(
            "only the backup subflow, no longer flagged backup", timeout: .seconds(3),
            observe: { try run.clientSubflows() },
            until: { $0.count == 1 && $0[0].localAddress == run.backup && $0[0].flags?.contains("b") == false })
        #expect(failedOver.count == 1)
        try waitUntil(
            "the server sees the MP_PRIO", timeout: .seconds(2),
            observe: { try run.serverSubflows(from: run.backup).first?.flags }, until: { $0?.contains("B") == false })
        try expectTrafficContinues(run, after: down, backupBytesBefore: backupBytes)

        try run.setLink(run.net.pathA, up: true)
        let restored = try waitUntil(
            "a new primary subflow and the backup flagged again", timeout: .seconds(4),
            observe: { try run.clientSubflows() },
            until: { subflows in
                subflows.contains { $0.localAddress == run.primary && $0.flags?.contains("b") == false }
                    && subflows.contains { $0.localAddress == run.backup && $0.flags?.contains("b") == true }
            })
        #expect(restored.count == 2, "\(restored)")
        try waitUntil(
            "the server sees the backup bit again", timeout: .seconds(2),
            observe: { try run.serverSubflows(from: run.backup).first?.flags }, until: { $0?.contains("B") == true })
        try expectCompleteTransfer(run)
    }

    /// on-demand: no backup subflow while the primary works; the link going down opens it (no
    /// backup flag) and the transfer goes on over it; the primary's return closes it again.
    @Test func onDemandOpensTheBackupOnlyWhileThePrimaryIsDown() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let run = try start(bed, mode: "on-demand")

        Thread.sleep(forTimeInterval: 0.5)
        let alone = try run.clientSubflows()
        #expect(alone.count == 1 && alone.first?.localAddress == run.primary, run.explain("before the loss: \(alone)"))

        let down = try run.setLink(run.net.pathA, up: false)
        let failedOver = try waitUntil(
            "only the backup subflow", timeout: .seconds(3),
            observe: { try run.clientSubflows() },
            until: { $0.count == 1 && $0[0].localAddress == run.backup })
        #expect(
            failedOver[0].flags?.contains("b") == false && failedOver[0].device == run.net.pathB.clientInterface,
            "\(failedOver)")
        try expectTrafficContinues(run, after: down, backupBytesBefore: 0)  // no backup subflow before

        try run.setLink(run.net.pathA, up: true)
        let restored = try waitUntil(
            "back to the primary subflow alone", timeout: .seconds(4),
            observe: { try run.clientSubflows() },
            until: { $0.count == 1 && $0[0].localAddress == run.primary })
        #expect(restored.count == 1)
        try expectCompleteTransfer(run)
    }

    /// The policy refuses to start without its interface lists, naming the missing key.
    @Test func refusesToStartWithoutPrimaryAndBackupInterfaces() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let ns = try bed.addNamespace("usp", sysctls: Self.userspace)
        let daemon = try bed.spawn(
            ns,
            [
                try BuiltProducts.subflowd, "--policy", "backup-on-loss",
                "--plugin-dir", BuiltProducts.directory.path, "--set", "backup=wwan0",
            ])
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 78, "\(daemon.stderr)")
        #expect(daemon.stderr.contains("primary = (missing): expected one or more interface names"), "\(daemon.stderr)")
    }
}

/// The JSON lines of `subflow-traffic serve --report-interval/--gap-report` and `link`.
struct ReceiverRecord: Decodable, Sendable {
    var type: String
    var bytes: UInt64?
    var monotonicNanoseconds: UInt64?
    var fromNanoseconds: UInt64?
    var toNanoseconds: UInt64?
    var beforeNanoseconds: UInt64?

    enum CodingKeys: String, CodingKey {
        case type, bytes
        case monotonicNanoseconds = "mono_ns", fromNanoseconds = "from_ns", toNanoseconds = "to_ns"
        case beforeNanoseconds = "before_ns"
    }

    static func parse(_ lines: [String]) -> [ReceiverRecord] {
        let decoder = JSONDecoder()
        return lines.compactMap { try? decoder.decode(ReceiverRecord.self, from: Data($0.utf8)) }
    }
}
