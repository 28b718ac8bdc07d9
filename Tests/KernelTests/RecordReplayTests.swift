import Foundation
import Testing

@testable import SubflowTestSupport

/// Recording live traffic and replaying it, against the real kernel and with the real tools.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct RecordReplayTests {
    /// A live fullmesh session (two paths, the server announcing its second address) is
    /// recorded; replaying the recording through fullmesh yields exactly the commands the
    /// daemon sent live.
    @Test func aLiveRecordingReplaysToTheSameCommands() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let trace = bed.workDirectory.appendingPathComponent("live.pcap").path
        let net = try TwoPathTopology(bed, clientSysctls: ["net.mptcp.path_manager": "userspace"])
        try bed.check(net.server, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        try bed.check(
            net.server,
            ["ip", "mptcp", "endpoint", "add", net.pathB.serverIPv4, "dev", net.pathB.serverInterface, "signal"])
        let daemon = try bed.startDaemon(in: net.client, ["--record", trace])
        _ = try bed.startTrafficServer(in: net.server, bind: "0.0.0.0", port: 5201)
        let client = try bed.startTrafficClient(
            in: net.client, to: net.pathA.serverIPv4, port: 5201, ["--seconds", "1"])
        #expect(client.waitForExit(timeout: .seconds(15)) == 0)
        Thread.sleep(forTimeInterval: 0.3)
        // kill -9: what is recorded must already be in the file.
        kill(Int32(daemon.pid), SIGKILL)
        _ = daemon.waitForExit(timeout: .seconds(5))

        let replay = try BuiltProducts.subflowctl([
            "replay", trace, "--policy", "fullmesh", "--plugin-dir",
            BuiltProducts.directory.path, "--show-live",
        ])
        #expect(replay.status == 0, "\(replay.stderr)")
        let lines = replay.stdout.split(separator: "\n").map(String.init)
        let replayed = lines.filter { !$0.hasPrefix("live ") }.map { commandText($0) }
        let live = lines.filter { $0.hasPrefix("live ") }.map { commandText($0) }
        #expect(live.count == 3, "fullmesh sent 3 joins live: \(lines)")
        #expect(replayed == live, "\(replay.stdout)")
        #expect(replay.stdout.contains("fullmesh [SUBFLOW_CREATE]"))

        // The same trace, replayed again, prints the same bytes.
        let again = try BuiltProducts.subflowctl([
            "replay", trace, "--policy", "fullmesh", "--plugin-dir",
            BuiltProducts.directory.path, "--show-live",
        ])
        #expect(again.stdout == replay.stdout)

        // Answering with the kernel's recorded replies gives the same commands here.
        let recorded = try BuiltProducts.subflowctl([
            "replay", trace, "--policy", "fullmesh", "--plugin-dir",
            BuiltProducts.directory.path, "--recorded-replies",
        ])
        #expect(
            recorded.status == 0 && recorded.stdout.split(separator: "\n").map { commandText(String($0)) } == replayed,
            "\(recorded.stdout)\(recorded.stderr)")

        // tshark (Debian's) reads the recording as netlink.
        let tshark = try Command.run(["tshark", "-r", trace], timeout: .seconds(60))
        #expect(tshark.status == 0, "\(tshark.stderr)")
        #expect(tshark.stdout.contains("Netlink"), "\(tshark.stdout)")

        // trace show decodes every record, the command and its ack included.
        let show = try BuiltProducts.subflowctl(["trace", "show", trace])
        #expect(
            show.stdout.contains("[SUBFLOW_CREATE]") && show.stdout.contains("[ESTABLISHED]")
                && show.stdout.contains("ack seq=") && show.stdout.contains("[NEWADDR] 198.18.2.1/24"), "\(show.stdout)"
        )
    }

    /// `[SUBFLOW_CREATE] token=… local=(…) remote=(…)` from a replay or live line.
    func commandText(_ line: String) -> String {
        guard let start = line.range(of: "[") else { return line }
        var text = String(line[start.lowerBound...])
        if let result = text.range(of: " => ") { text = String(text[..<result.lowerBound]) }
        return text
    }
}
