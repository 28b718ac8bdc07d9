import Foundation
import Testing

@testable import SubflowTestSupport

/// subflowd against files a careless or hostile user controls (issue 8): its own code in an
/// untrusted place. No namespaces: `--check-config` touches no kernel state.
@Suite(.serialized) struct DaemonFileTrustTests {
    /// /tmp/sfd-files-…/ (root's, 0755), removed afterwards.
    final class Scratch {
        let path: String
        init() throws {
            path = "/tmp/sfd-files-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: false,
                attributes: [.posixPermissions: 0o755])
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func write(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
            let file = path + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
            return file
        }
    }

    /// The build folder's subflowd with its SDK and fullmesh, copied into `directory`.
    static func copyDaemon(into directory: String) throws -> String {
        let built = BuiltProducts.directory.path
        for name in ["subflowd", "libSubflowPolicy.so", "libfullmesh.so"] {
            try FileManager.default.copyItem(atPath: "\(built)/\(name)", toPath: "\(directory)/\(name)")
        }
        return directory + "/subflowd"
    }

    @Test(.enabled(if: isRoot, "needs root: the copied daemon must be root's"))
    func subflowdRefusesToRunFromADirectoryOthersCanWrite() throws {
        let scratch = try Scratch()
        let bundle = scratch.path + "/bundle"
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: false, attributes: nil)
        let subflowd = try Self.copyDaemon(into: bundle)
        try FileManager.default.setAttributes([.posixPermissions: 0o775], ofItemAtPath: bundle)
        let refused = try Command.run([subflowd, "--check-config", "--policy", "fullmesh"])
        #expect(refused.status == 78, "\(refused)")
        #expect(
            refused.stderr.contains(
                "\(bundle): refused: the directory is writable by its group (mode 775); fix with: chmod go-w \(bundle)"),
            "\(refused)")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bundle)
        let accepted = try Command.run([subflowd, "--check-config", "--policy", "fullmesh"])
        #expect(accepted.status == 0, "\(accepted)")
    }

    /// A FIFO as --config: before, subflowd blocked in open(2) at start for ever; now it says
    /// why and exits 78 at once.
    @Test(.enabled(if: isRoot, needsRootComment))
    func aFIFOAsConfigurationIsRefusedAtStart() throws {
        let scratch = try Scratch()
        let fifo = scratch.path + "/subflowd.conf"
        #expect(mkfifo(fifo, 0o644) == 0)
        let result = try Command.run(
            [try BuiltProducts.subflowd, "--config", fifo, "--check-config"], timeout: .seconds(60))
        #expect(!result.timedOut && result.status == 78, "\(result)")
        #expect(
            result.stderr.contains("\(fifo): configuration refused: it is a FIFO (named pipe), not a regular file"),
            "\(result)")
    }

    /// SIGHUP when the file has become a FIFO: before, the whole event loop blocked in open(2)
    /// (no further signal, event or client was served). Now the reload is refused with the
    /// reason and the next SIGHUP, with a good file again, is applied.
    @Test(.enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
    func aReloadFromAFIFOIsRefusedAndTheDaemonGoesOn() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let ns = try bed.addNamespace("fifo", sysctls: ["net.mptcp.path_manager": "userspace"])
        let scratch = try Scratch()
        let good = "[core]\npolicy = fullmesh\nplugin-dir = \(BuiltProducts.directory.path)\ncontrol-socket = none\n"
        let config = try scratch.write("subflowd.conf", good)
        let daemon = try bed.spawn(ns, [try BuiltProducts.subflowd, "--config", config])
        try waitUntil("ready", timeout: .seconds(30), observe: { daemon.stderr }, until: { $0.contains("ready in") })
        try FileManager.default.removeItem(atPath: config)
        #expect(mkfifo(config, 0o644) == 0)
        kill(Int32(daemon.pid), SIGHUP)
        try waitUntil(
            "reload refused", timeout: .seconds(30), observe: { daemon.stderr },
            until: { $0.contains("reload refused") })
        #expect(daemon.stderr.contains("it is a FIFO (named pipe), not a regular file"), "\(daemon.stderr)")
        try FileManager.default.removeItem(atPath: config)
        _ = try scratch.write("subflowd.conf", good + "log-level = debug\n")
        kill(Int32(daemon.pid), SIGHUP)
        try waitUntil(
            "reloaded", timeout: .seconds(30), observe: { daemon.stderr },
            until: { $0.contains("configuration reloaded") })
        #expect(daemon.isRunning)
    }

    /// A CRLF file starting with a comment: before, one long comment line, so --check-config
    /// said the (empty) file was fine and its settings were ignored.
    @Test(.enabled(if: isRoot, needsRootComment))
    func aCRLFConfigurationIsReadLineByLine() throws {
        let scratch = try Scratch()
        let config = try scratch.write(
            "subflowd.conf",
            "# from a Windows editor\r\n[core]\r\npolicy = fullmesh\r\n"
                + "plugin-dir = \(BuiltProducts.directory.path)\r\n[policy.fullmesh]\r\nmax-subflow = 2\r\n")
        let result = try Command.run([try BuiltProducts.subflowd, "--config", config, "--check-config"])
        #expect(result.status == 78 && result.stderr.contains("\(config):6: unknown key 'max-subflow'"), "\(result)")
    }

    @Test(.enabled(if: isRoot, needsRootComment))
    func aWorldWritableConfigurationIsRefused() throws {
        let scratch = try Scratch()
        let config = try scratch.write(
            "subflowd.conf", "[core]\npolicy = fullmesh\nplugin-dir = \(BuiltProducts.directory.path)\n", mode: 0o666)
        let result = try Command.run([try BuiltProducts.subflowd, "--config", config, "--check-config"])
        #expect(result.status == 78 && result.stderr.contains("fix with: chmod go-w \(config)"), "\(result)")
    }
}
