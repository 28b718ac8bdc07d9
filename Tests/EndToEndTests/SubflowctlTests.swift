import Foundation
import Testing

@testable import SubflowTestSupport

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
        #expect(try BuiltProducts.subflowctl(["trace", "build", scenario.path, "-o", trace]).status == 0)
        let replay = [
            "replay", trace, "--policy", "fullmesh", "--plugin-dir", BuiltProducts.directory.path, "--expect", expected,
        ]
        let missing = try BuiltProducts.subflowctl(replay)
        #expect(missing.status == 1 && missing.stderr.contains("--update-expectation"), "\(missing.stderr)")
        #expect(try BuiltProducts.subflowctl(replay + ["--update-expectation"]).status == 0)
        #expect(try BuiltProducts.subflowctl(replay).status == 0)
        try "+1.000s fullmesh something else\n".write(toFile: expected, atomically: true, encoding: .utf8)
        let differs = try BuiltProducts.subflowctl(replay)
        #expect(differs.status == 1)
        #expect(
            differs.stdout.contains("- +1.000s fullmesh something else")
                && differs.stdout.contains("+ +1.000s fullmesh [SUBFLOW_CREATE]"),
            "\(differs.stdout)")
    }

    @Test func aBadScenarioNamesItsLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sfd-bad-\(UUID().uuidString).scenario")
        defer { try? FileManager.default.removeItem(at: file) }
        try "link eth0 index 2 up\npeer announces 1 id x 198.18.1.1:1\n".write(
            to: file, atomically: true, encoding: .utf8)
        let result = try BuiltProducts.subflowctl(["trace", "build", file.path, "-o", "/dev/null"])
        #expect(
            result.status == 1 && result.stderr.contains(":line 2: id 'x': expected a number from 0 to 255"),
            "\(result.stderr)")
    }

    @Test func aTruncatedFileNamesTheRecord() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sfd-trunc-\(UUID().uuidString).pcap")
        defer { try? FileManager.default.removeItem(at: file) }
        var bytes: [UInt8] =
            [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0] + [UInt8](repeating: 0, count: 8) + [0, 0, 4, 0, 253, 0, 0, 0]
        bytes += [0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 100, 0, 0, 0, 1, 2, 3]
        try Data(bytes).write(to: file)
        let result = try BuiltProducts.subflowctl(["trace", "show", file.path])
        #expect(
            result.status == 1 && result.stderr.contains("record 1: truncated: 100 bytes announced, 3 left"),
            "\(result.stderr)")
    }
}
