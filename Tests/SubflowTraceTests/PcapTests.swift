import Glibc
import MPTCPWire
import SubflowPolicy
import SubflowSystem
import SubflowTrace
import Testing

@testable import SubflowTestSupport

@Suite struct PcapTests {
    let records = [
        TraceRecord(
            timestampMicroseconds: 1_700_000_000_123_456, direction: .received, netlinkProtocol: 16,
            bytes: [1, 2, 3, 4]),
        TraceRecord(timestampMicroseconds: 1_700_000_001_000_000, direction: .sent, netlinkProtocol: 0, bytes: [5, 6]),
    ]

    func file(_ records: [TraceRecord]) -> [UInt8] {
        records.reduce(PcapFormat.globalHeader()) { $0 + PcapFormat.record($1) }
    }

    @Test func roundTripsRecordsAndWritesTheNetlinkLinkType() throws {
        let bytes = file(records)
        #expect(Array(bytes[0..<4]) == [0xD4, 0xC3, 0xB2, 0xA1])
        #expect(Array(bytes[20..<24]) == [253, 0, 0, 0])
        // Pseudo-header of the first record: PACKET_HOST, ARPHRD_NETLINK 824, protocol 16.
        #expect(Array(bytes[40..<44]) == [0, 0, 0x03, 0x38] && Array(bytes[54..<56]) == [0, 16])
        #expect(try PcapReader.records(from: bytes) == records)
    }

    @Test(arguments: [
        (10, "too short for a pcap header"),
        (24 + 8, "record 1: truncated record header"),
        (24 + 16 + 10, "record 1: truncated: 20 bytes announced, 10 left"),
        (24 + 16 + 20 + 16 + 5, "record 2: truncated: 18 bytes announced, 5 left"),
    ])
    func namesTheRecordOfATruncatedFile(length: Int, problem: String) {
        let bytes = Array(file(records).prefix(length))
        let error = #expect(throws: TraceError.self) { try PcapReader.records(from: bytes) }
        #expect(error?.description.contains(problem) == true, "\(String(describing: error))")
    }

    @Test func rejectsOtherFilesClearly() {
        var pcapng = file(records); pcapng[0...3] = [0x0A, 0x0D, 0x0D, 0x0A]
        #expect(
            (#expect(throws: TraceError.self) { try PcapReader.records(from: pcapng) })?.description.contains("pcapng")
                == true)
        var ethernet = file(records); ethernet[20] = 1
        #expect(
            (#expect(throws: TraceError.self) { try PcapReader.records(from: ethernet) })?.description.contains(
                "link type 1") == true)
    }

    @Test func survivesRandomDamageWithoutCrashing() {
        var seed: UInt64 = 0x5EED
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
        let original = file(records)
        for _ in 0..<2000 {
            var damaged = original
            for _ in 0..<(1 + Int(next() % 4)) {
                damaged[Int(next()) % damaged.count] = UInt8(truncatingIfNeeded: next())
            }
            _ = try? PcapReader.records(from: Array(damaged.prefix(Int(next()) % (damaged.count + 1))))
        }
    }

    @Test func anUnknownMessageInsideAValidFileIsAnErrorWithItsRecordNumber() throws {
        let trace = try Scenario.build("link eth0 index 2 up\n")
        var bad = trace
        bad.append(
            TraceRecord(
                timestampMicroseconds: trace.last!.timestampMicroseconds + 1000, direction: .received,
                netlinkProtocol: 16, bytes: [8, 0, 0, 0, 0x1c, 0, 0, 0]))  // length 8 < header
        let session = ReplaySession(policies: [])
        let error = #expect(throws: TraceError.self) { try session.run(bad) }
        #expect(error?.record == 3, "\(String(describing: error))")
        var alien = trace
        alien.append(TraceRecord(timestampMicroseconds: 1, direction: .received, netlinkProtocol: 9, bytes: []))
        #expect(
            (#expect(throws: TraceError.self) { try session.run(alien) })?.description.contains(
                "record 3: netlink protocol 9") == true)
    }

    @Test func recorderRotatesBySizeAndNeverOverwrites() throws {
        let directory = "/tmp/sfd-recorder-\(UInt32.random(in: 0...UInt32.max))"
        try Files.writeBytes(directory + ".keep", [])
        let path = directory + ".pcap"
        try Files.writeBytes(path, PcapFormat.globalHeader())  // an older recording
        let recorder = try TraceRecorder(path: path, maxBytes: 4096, keep: 2)
        for _ in 0..<100 { recorder.record(.received, protocol: 16, [UInt8](repeating: 7, count: 100)) }
        recorder.close()
        #expect(
            Files.exists(path) && Files.exists(path + ".1") && Files.exists(path + ".2") && !Files.exists(path + ".3"))
        let current = try PcapReader.records(from: try Files.readBytes(path))
        #expect(!current.isEmpty && current.allSatisfy { $0.bytes.count == 100 })
        #expect(try Files.readBytes(path).count <= 4096)
        for suffix in ["", ".1", ".2"] { unlink(path + suffix) }
        unlink(directory + ".keep")
    }
}
