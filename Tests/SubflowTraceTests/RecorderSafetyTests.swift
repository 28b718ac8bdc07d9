import Foundation
import SubflowSystem
import SubflowTrace
import Testing

@testable import SubflowTestSupport

/// `--record PATH` moves only recordings (issue 8, defect 6). Before: a directory at PATH
/// became PATH.1, a device node was renamed and replaced by a regular file, the config file
/// was renamed aside, and a dangling link made the daemon create the link's target.
@Suite(.serialized) struct RecorderSafetyTests {
    final class Folder {
        let path: String
        init() throws {
            path = "/tmp/sfd-record-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: false,
                attributes: [.posixPermissions: 0o755])
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func exists(_ name: String) -> Bool {
            var st = stat()
            return lstat(path + "/" + name, &st) == 0
        }
    }

    func refusal(_ path: String, keep: Int = 3) -> String? {
        do { _ = try TraceRecorder(path: path, keep: keep); return nil } catch { return error.description }
    }

    @Test func aDirectoryAtThePathIsLeftAlone() throws {
        let folder = try Folder()
        try FileManager.default.createDirectory(atPath: folder.path + "/trace.pcap", withIntermediateDirectories: false)
        let text = refusal(folder.path + "/trace.pcap")
        #expect(
            text?.contains("trace.pcap: it is a directory, not a recording: subflowd rotates only its own recordings")
                == true,
            "\(text ?? "accepted")")
        #expect(folder.exists("trace.pcap") && !folder.exists("trace.pcap.1"))
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to make a device node"))
    func aDeviceNodeAtThePathIsLeftAlone() throws {
        let folder = try Folder()
        #expect(mknod(folder.path + "/null", S_IFCHR | 0o600, dev_t(1 << 8 | 3)) == 0)  // like /dev/null (1, 3)
        let text = refusal(folder.path + "/null")
        #expect(text?.contains("it is a character device, not a recording") == true, "\(text ?? "accepted")")
        let status = try FileStatus(path: folder.path + "/null")
        #expect(status.kind == .characterDevice && !folder.exists("null.1"))
    }

    @Test func aFileThatIsNotARecordingIsLeftAlone() throws {
        let folder = try Folder()
        let config = folder.path + "/subflowd.conf"
        try Data("[core]\npolicy = fullmesh\n".utf8).write(to: URL(fileURLWithPath: config))
        let text = refusal(config)
        #expect(text?.contains("it is not a pcap recording") == true, "\(text ?? "accepted")")
        #expect(
            try String(contentsOfFile: config, encoding: .utf8) == "[core]\npolicy = fullmesh\n"
                && !folder.exists("subflowd.conf.1"))
    }

    @Test func aDanglingLinkIsNotFollowedAndItsTargetNotCreated() throws {
        let folder = try Folder()
        #expect(symlink(folder.path + "/target", folder.path + "/trace.pcap") == 0)
        let text = refusal(folder.path + "/trace.pcap")
        #expect(text?.contains("it is a symbolic link, not a recording") == true, "\(text ?? "accepted")")
        #expect(!folder.exists("target") && !folder.exists("trace.pcap.1"))
    }

    @Test func aLinkToARecordingIsNotRotatedEither() throws {
        let folder = try Folder()
        try Files.writeBytes(folder.path + "/old.pcap", PcapFormat.globalHeader())
        #expect(symlink("old.pcap", folder.path + "/trace.pcap") == 0)
        #expect(refusal(folder.path + "/trace.pcap")?.contains("symbolic link") == true)
        #expect(folder.exists("old.pcap") && !folder.exists("trace.pcap.1"))
    }

    @Test func somethingElseAmongTheRotatedNamesStopsTheRotationBeforeAnyRename() throws {
        let folder = try Folder()
        try Files.writeBytes(folder.path + "/trace.pcap", PcapFormat.globalHeader())
        try Files.writeBytes(folder.path + "/trace.pcap.1", PcapFormat.globalHeader())
        try FileManager.default.createDirectory(
            atPath: folder.path + "/trace.pcap.2", withIntermediateDirectories: false)
        let text = refusal(folder.path + "/trace.pcap", keep: 2)
        #expect(text?.contains("trace.pcap.2: it is a directory") == true, "\(text ?? "accepted")")
        #expect(folder.exists("trace.pcap") && folder.exists("trace.pcap.1") && !folder.exists("trace.pcap.3"))
    }

    @Test func aRecordingIsRotatedAndANewOneStarted() throws {
        let folder = try Folder()
        try Files.writeBytes(folder.path + "/trace.pcap", PcapFormat.globalHeader())
        let recorder = try TraceRecorder(path: folder.path + "/trace.pcap")
        #expect(recorder.record(.received, protocol: 16, [1, 2, 3, 4]))
        recorder.close()
        #expect(folder.exists("trace.pcap.1"))
        #expect(try PcapReader.records(from: try Files.readBytes(folder.path + "/trace.pcap")).count == 1)
    }

    @Test func aDirectoryOthersMayWriteIsRefused() throws {
        let folder = try Folder()
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder.path)
        let text = refusal(folder.path + "/trace.pcap")
        #expect(
            text?.contains("its directory is refused") == true && text?.contains("chmod go-w") == true,
            "\(text ?? "accepted")")
        #expect(!folder.exists("trace.pcap"))
    }
}
