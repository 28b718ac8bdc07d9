import Foundation
import Testing

/// Recording live traffic and replaying it, against the real kernel and with the real tools.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct RecordReplayTests {
    static func subflowctl(_ arguments: [String]) throws -> CommandResult {
        try Command.run([try BuiltProducts.path("subflowctl")] + arguments, timeout: .seconds(60))
    }

    /// A live fullmesh session (two paths, the server announcing its second address) is
    /// recorded; replaying the recording through fullmesh yields exactly the commands the
    /// daemon sent live.
    @Test func aLiveRecordingReplaysToTheSameCommands() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let trace = bed.workDirectory.appendingPathComponent("live.pcap").path
        let net = try TwoPathTopology(bed, clientSysctls: ["net.mptcp.path_manager": "userspace"])
        try bed.check(net.server, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        try bed.check(net.server, ["ip", "mptcp", "endpoint", "add", net.pathB.serverIPv4, "dev", net.pathB.serverInterface, "signal"])
        let daemon = try bed.startDaemon(in: net.client, ["--record", trace])
        _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: 5201)
        let client = try bed.startTrafficClient(in: net.client, to: net.pathA.serverIPv4, port: 5201, ["--seconds", "1"])
        #expect(client.waitForExit(timeout: .seconds(15)) == 0)
        Thread.sleep(forTimeInterval: 0.3)
        // kill -9: what is recorded must already be in the file.
        kill(Int32(daemon.pid), SIGKILL)
        _ = daemon.waitForExit(timeout: .seconds(5))

        let replay = try Self.subflowctl(["replay", trace, "--policy", "fullmesh", "--plugin-dir",
                                          BuiltProducts.directory.path, "--show-live"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let lines = replay.stdout.split(separator: "\n").map(String.init)
        let replayed = lines.filter { !$0.hasPrefix("live ") }.map { commandText($0) }
        let live = lines.filter { $0.hasPrefix("live ") }.map { commandText($0) }
        #expect(live.count == 3, "fullmesh sent 3 joins live: \(lines)")
        #expect(replayed == live, "\(replay.stdout)")
        #expect(replay.stdout.contains("fullmesh [SUBFLOW_CREATE]"))

        // The same trace, replayed again, prints the same bytes.
        let again = try Self.subflowctl(["replay", trace, "--policy", "fullmesh", "--plugin-dir",
                                         BuiltProducts.directory.path, "--show-live"])
        #expect(again.stdout == replay.stdout)

        // Answering with the kernel's recorded replies gives the same commands here.
        let recorded = try Self.subflowctl(["replay", trace, "--policy", "fullmesh", "--plugin-dir",
                                            BuiltProducts.directory.path, "--recorded-replies"])
        #expect(recorded.status == 0 && recorded.stdout.split(separator: "\n").map { commandText(String($0)) } == replayed,
                "\(recorded.stdout)\(recorded.stderr)")

        // tshark (Debian's) reads the recording as netlink.
        let tshark = try Command.run(["tshark", "-r", trace], timeout: .seconds(60))
        #expect(tshark.status == 0, "\(tshark.stderr)")
        #expect(tshark.stdout.contains("Netlink"), "\(tshark.stdout)")

        // trace show decodes every record, the command and its ack included.
        let show = try Self.subflowctl(["trace", "show", trace])
        #expect(show.stdout.contains("[SUBFLOW_CREATE]") && show.stdout.contains("[ESTABLISHED]")
                && show.stdout.contains("ack seq=") && show.stdout.contains("[NEWADDR] 198.18.2.1/24"), "\(show.stdout)")
    }

    /// `[SUBFLOW_CREATE] token=… local=(…) remote=(…)` from a replay or live line.
    func commandText(_ line: String) -> String {
        guard let start = line.range(of: "[") else { return line }
        var text = String(line[start.lowerBound...])
        if let result = text.range(of: " => ") { text = String(text[..<result.lowerBound]) }
        return text
    }
}

/// subflowctl's own behaviour on files (no kernel needed).
@Suite struct SubflowctlTests {
    @Test func expectationsPassFailWithADiffAndReRecord() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sfd-ctl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenario = dir.appendingPathComponent("s.scenario"), trace = dir.appendingPathComponent("s.pcap").path
        let expected = dir.appendingPathComponent("s.expected").path
        try """
            link eth0 index 2 up
            link wlan0 index 3 up
            address 198.18.1.1/24 on eth0
            address 198.18.2.1/24 on wlan0
            at 1 connection 5 established client 198.18.1.1:40000 -> 198.18.1.2:443
            """.write(to: scenario, atomically: true, encoding: .utf8)
        #expect(try RecordReplayTests.subflowctl(["trace", "build", scenario.path, "-o", trace]).status == 0)
        let replay = ["replay", trace, "--policy", "fullmesh", "--plugin-dir", BuiltProducts.directory.path, "--expect", expected]
        let missing = try RecordReplayTests.subflowctl(replay)
        #expect(missing.status == 1 && missing.stderr.contains("--update-expectation"), "\(missing.stderr)")
        #expect(try RecordReplayTests.subflowctl(replay + ["--update-expectation"]).status == 0)
        #expect(try RecordReplayTests.subflowctl(replay).status == 0)
        try "+1.000s fullmesh something else\n".write(toFile: expected, atomically: true, encoding: .utf8)
        let differs = try RecordReplayTests.subflowctl(replay)
        #expect(differs.status == 1)
        #expect(differs.stdout.contains("- +1.000s fullmesh something else") && differs.stdout.contains("+ +1.000s fullmesh [SUBFLOW_CREATE]"),
                "\(differs.stdout)")
    }

    @Test func aBadScenarioNamesItsLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sfd-bad-\(UUID().uuidString).scenario")
        defer { try? FileManager.default.removeItem(at: file) }
        try "link eth0 index 2 up\npeer announces 1 id x 198.18.1.1:1\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try RecordReplayTests.subflowctl(["trace", "build", file.path, "-o", "/dev/null"])
        #expect(result.status == 1 && result.stderr.contains(":line 2: id 'x': expected a number from 0 to 255"), "\(result.stderr)")
    }

    @Test func aTruncatedFileNamesTheRecord() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sfd-trunc-\(UUID().uuidString).pcap")
        defer { try? FileManager.default.removeItem(at: file) }
        var bytes: [UInt8] = [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0] + [UInt8](repeating: 0, count: 8) + [0, 0, 4, 0, 253, 0, 0, 0]
        bytes += [0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 100, 0, 0, 0, 1, 2, 3]
        try Data(bytes).write(to: file)
        let result = try RecordReplayTests.subflowctl(["trace", "show", file.path])
        #expect(result.status == 1 && result.stderr.contains("record 1: truncated: 100 bytes announced, 3 left"), "\(result.stderr)")
    }
}
