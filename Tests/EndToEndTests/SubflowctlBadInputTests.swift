import Foundation
import Testing

@testable import SubflowTestSupport

/// The built `subflowctl` on input that used to trap (defect 12: SIGILL/SIGTRAP from Swift
/// runtime checks) or be silently misread: each is now a clear error with exit status 1 (64
/// for a bad command line) naming the line and the value, cut and escaped. No root needed.
@Suite(.timeLimit(.minutes(10)))
struct SubflowctlBadInputTests {
    static func temporaryFile(_ suffix: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("sfd-badinput-\(UUID().uuidString)\(suffix)")
    }

    static let subflow = "subflow established 1 198.18.1.1:1 -> 198.18.1.2:2"

    @Test(arguments: [
        ("address", ":line 2: expected 'address [removed] ADDRESS/LEN on NAME'"),
        ("at 1e20 idle", ":line 2: 'at' needs a time in seconds from 0 to 1000000 (not '1e20')"),
        ("at inf idle", ":line 2: 'at' needs a time in seconds from 0 to 1000000 (not 'inf')"),
        ("at 1e16 idle", ":line 2: 'at' needs a time in seconds from 0 to 1000000 (not '1e16')"),
        (
            "link \(String(repeating: "n", count: 70_000)) index 3 up",
            ":line 2: '\(String(repeating: "n", count: 80))… (70000 bytes)' is not an interface name"
        ),
        ("\(subflow) local-id 300", ":line 2: local-id '300': expected a number from 0 to 255"),
    ])
    func traceBuildRefusesWithTheLine(statement: String, message: String) throws {
        let scenario = Self.temporaryFile(".scenario"), trace = Self.temporaryFile(".pcap")
        defer { try? FileManager.default.removeItem(at: scenario); try? FileManager.default.removeItem(at: trace) }
        try "link eth0 index 2 up\n\(statement)\n".write(to: scenario, atomically: true, encoding: .utf8)
        let result = try BuiltProducts.subflowctl(["trace", "build", scenario.path, "-o", trace.path])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains(scenario.path + message), "\(result.stderr.prefix(500))")
        #expect(result.stderr.utf8.count < 500, "the error echoes too much: \(result.stderr.utf8.count) bytes")
        #expect(!FileManager.default.fileExists(atPath: trace.path))
    }

    @Test(arguments: ["1e-300", "0", "-1", "nan", "inf", "2e6"])
    func replayRefusesASpeedOutOfRange(speed: String) throws {
        let result = try BuiltProducts.subflowctl([
            "replay", "/nonexistent.pcap", "--policy", "fullmesh", "--speed=\(speed)",
        ])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("expected a number from 0.001 to 1000000"), "\(result.stderr)")
    }

    /// A trace whose second record does not decode: every line is printed, the bad one as
    /// malformed, and the exit status says the trace was not clean.
    @Test func traceShowExitsNonZeroOnMessagesItCannotDecode() throws {
        let scenario = Self.temporaryFile(".scenario"), trace = Self.temporaryFile(".pcap")
        defer { try? FileManager.default.removeItem(at: scenario); try? FileManager.default.removeItem(at: trace) }
        try "link eth0 index 2 up\n".write(to: scenario, atomically: true, encoding: .utf8)
        #expect(try BuiltProducts.subflowctl(["trace", "build", scenario.path, "-o", trace.path]).status == 0)
        let clean = try BuiltProducts.subflowctl(["trace", "show", trace.path])
        #expect(clean.status == 0 && !clean.stdout.contains("malformed"), "\(clean)")

        // A third record: RTM_NEWLINK holding 4 of the 16 bytes of struct ifinfomsg.
        let netlink: [UInt8] = [20, 0, 0, 0, 16, 0] + [UInt8](repeating: 0, count: 14)
        var record: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        for length in [UInt32(16 + netlink.count), UInt32(16 + netlink.count)] {
            record += withUnsafeBytes(of: length.littleEndian, Array.init)
        }
        record += [0, 0, 0x03, 0x38, 0, 0] + [UInt8](repeating: 0, count: 8) + [0, 0]  // to us, ARPHRD_NETLINK, NETLINK_ROUTE
        let handle = try FileHandle(forWritingTo: trace)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(record + netlink))
        try handle.close()

        let result = try BuiltProducts.subflowctl(["trace", "show", trace.path])
        #expect(result.status == 1, "\(result)")
        #expect(
            result.stdout.split(separator: "\n").count == 3 && result.stdout.contains("struct ifinfomsg"),
            "\(result.stdout)")
        #expect(result.stderr.contains("1 message(s) could not be decoded"), "\(result.stderr)")
    }
}
