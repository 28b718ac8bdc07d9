import Foundation
import Testing

/// subflowd against files a careless or hostile user controls (issue 8): its own code in an
/// untrusted place. No namespaces: `--check-config` touches no kernel state.
@Suite(.serialized) struct DaemonFileTrustTests {
    /// /tmp/sfd-files-…/ (root's, 0755), removed afterwards.
    final class Scratch {
        let path: String
        init() throws {
            path = "/tmp/sfd-files-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
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
        #expect(refused.stderr.contains("\(bundle): refused: the directory is writable by its group (mode 775); fix with: chmod go-w \(bundle)"),
                "\(refused)")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bundle)
        let accepted = try Command.run([subflowd, "--check-config", "--policy", "fullmesh"])
        #expect(accepted.status == 0, "\(accepted)")
    }
}
