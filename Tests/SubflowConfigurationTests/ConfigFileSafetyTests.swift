import Foundation
import Testing

@testable import SubflowConfiguration
@testable import SubflowTestSupport

/// The configuration file as a careless or hostile user could leave it (issue 8, defects 9,
/// 10, 11): line ends, permissions, owners, FIFOs, size. Files live in /tmp/sfd-conf-…
/// (root's or the test user's, 0755).
@Suite(.serialized) struct ConfigFileSafetyTests {
    final class Folder {
        let path: String
        init(mode: Int = 0o755) throws {
            path = "/tmp/sfd-conf-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: nil)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func write(_ text: String, mode: Int = 0o644, name: String = "subflowd.conf") throws -> String {
            let file = path + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
            return file
        }
    }

    func load(_ path: String) throws(ConfigurationError) -> Configuration {
        var configuration = Configuration()
        try configuration.apply(fileAt: path)
        return configuration
    }

    func refusal(_ path: String) -> String {
        do { _ = try load(path); return "accepted" } catch { return error.description }
    }

    static var isRoot: Bool { geteuid() == 0 }

    // MARK: line ends (defect 10)

    @Test(arguments: ["\r\n", "\r", "\n"])
    func everyLineEndIsALineEnd(_ end: String) throws {
        let folder = try Folder()
        let text = [
            "# subflowd.conf written on another system", "[core]", "policy = signal-per-interface",
            "liveness-interval = 9", "[network]", "deny-interfaces = docker0", "",
        ].joined(separator: end)
        let c = try load(try folder.write(text))
        #expect(c.policies == ["signal-per-interface"])
        #expect(c.livenessIntervalSeconds == 9)
        #expect(c.filter.denyInterfaces == ["docker0"])
    }

    @Test func aCRLFFileNamesTheRightLineInErrors() throws {
        let folder = try Folder()
        let path = try folder.write("# comment\r\n[core]\r\npolicy = fullmesh\r\nliveness-interval = soon\r\n")
        #expect(refusal(path).hasPrefix("\(path):4: "), "\(refusal(path))")
    }

    // MARK: permissions and owners (defect 11)

    @Test func aWorldWritableFileIsRefusedWithTheFix() throws {
        let folder = try Folder()
        let path = try folder.write("[core]\npolicy = fullmesh\n", mode: 0o666)
        let text = refusal(path)
        #expect(
            text.contains(
                "configuration refused: the file is writable by others (mode 666); fix with: chmod go-w \(path)"),
            "\(text)")
    }

    @Test func aGroupWritableFileIsRefused() throws {
        let folder = try Folder()
        let path = try folder.write("[core]\npolicy = fullmesh\n", mode: 0o664)
        #expect(refusal(path).contains("writable by its group"), "\(refusal(path))")
    }

    @Test func aFileInADirectoryOthersCanWriteIsRefused() throws {
        let folder = try Folder()
        let path = try folder.write("[core]\npolicy = fullmesh\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder.path)
        let text = refusal(path)
        #expect(text.contains("configuration refused: \(folder.path): the directory is writable by others"), "\(text)")
    }

    @Test(.enabled(if: isRoot, "needs root to give the file to another user"))
    func aFileOwnedByAnotherUserIsRefused() throws {
        let folder = try Folder()
        let path = try folder.write("[core]\npolicy = fullmesh\n")
        #expect(chown(path, 65534, 65534) == 0)
        #expect(refusal(path).contains("the file is owned by uid 65534"), "\(refusal(path))")
    }

    @Test func aLinkToATrustedFileIsFollowed() throws {
        let folder = try Folder()
        let real = try folder.write("[core]\npolicy = fullmesh\n", name: "real.conf")
        #expect(symlink(real, folder.path + "/subflowd.conf") == 0)
        #expect(try load(folder.path + "/subflowd.conf").policies == ["fullmesh"])
    }

    // MARK: files that are not files (defect 9)

    @Test func aFIFOIsRefusedAtOnce() throws {
        let folder = try Folder()
        let path = folder.path + "/fifo.conf"
        #expect(mkfifo(path, 0o644) == 0)
        // Before: open(2) waited for a writer for ever. Now: refused without waiting.
        #expect(refusal(path).contains("it is a FIFO (named pipe), not a regular file"), "\(refusal(path))")
    }

    @Test func aDeviceIsRefused() {
        #expect(
            refusal("/dev/zero").contains("it is a character device, not a regular file"), "\(refusal("/dev/zero"))")
    }

    @Test func aFileOverTheLimitIsRefusedNotCut() throws {
        let folder = try Folder()
        let path = try folder.write(
            "[core]\npolicy = fullmesh\n" + String(repeating: "# padding\n", count: Configuration.maximumFileBytes / 10)
        )
        #expect(
            refusal(path).contains("larger than the limit of \(Configuration.maximumFileBytes) bytes"),
            "\(refusal(path))")
    }
}
