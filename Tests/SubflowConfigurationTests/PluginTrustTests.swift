import Foundation
import SubflowConfiguration
import SubflowCore
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// The trust rules for the whole path to a plugin (TrustedPath): ancestors, links, the
/// sticky bit. Directories are made under /tmp/sfd-trust-… (root's, mode 0755).
@Suite(.serialized) struct PluginTrustTests {
    final class Tree {
        let base: String
        init() throws {
            base = "/tmp/sfd-trust-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(
                atPath: base, withIntermediateDirectories: false,
                attributes: [.posixPermissions: 0o755])
        }
        deinit { try? FileManager.default.removeItem(atPath: base) }

        /// BASE/name (mode), holding a copy of fullmesh as fullmesh.so.
        @discardableResult
        func pluginDirectory(_ name: String, mode: Int = 0o755) throws -> String {
            let dir = base + "/" + name
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: nil)
            try FileManager.default.copyItem(
                atPath: "\(BuiltProducts.directory.path)/libfullmesh.so",
                toPath: dir + "/fullmesh.so")
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir + "/fullmesh.so")
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: dir)
            return dir
        }

        func mkdir(_ name: String, mode: Int) throws {
            try FileManager.default.createDirectory(
                atPath: base + "/" + name, withIntermediateDirectories: false, attributes: nil)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: base + "/" + name)
        }
    }

    static var isRoot: Bool { geteuid() == 0 }

    func loads(_ directory: String) throws -> Bool {
        try PluginLoader(directory: directory).load(policyNamed: "fullmesh").registration.name == "fullmesh"
    }

    @Test func aLinkInATrustedDirectoryToATrustedDirectoryWorks() throws {
        let tree = try Tree()
        try tree.pluginDirectory("real/plugins")
        #expect(symlink("real/plugins", tree.base + "/link") == 0)
        #expect(symlink(tree.base + "/real", tree.base + "/absolute") == 0)
        #expect(try loads(tree.base + "/link"))
        #expect(try loads(tree.base + "/absolute/plugins"))
        #expect(try loads(tree.base + "/link/../plugins"))
    }

    @Test func aPluginFileThatIsALinkInItsDirectoryWorks() throws {
        let tree = try Tree()
        let dir = try tree.pluginDirectory("plugins")
        try FileManager.default.moveItem(atPath: dir + "/fullmesh.so", toPath: dir + "/libfullmesh-1.so")
        #expect(symlink("libfullmesh-1.so", dir + "/fullmesh.so") == 0)
        #expect(try loads(dir))
    }

    @Test func aRelativeDirectoryIsCheckedFromTheWorkingDirectoryUp() throws {
        let tree = try Tree()
        try tree.pluginDirectory("plugins")
        // Relative to the working directory (not changed: other suites run at the same time).
        let cwd = FileManager.default.currentDirectoryPath
        let up = String(repeating: "../", count: cwd.split(separator: "/").count)
        #expect(try loads(up + tree.base.dropFirst() + "/plugins"))
        #expect(try loads("./" + up + tree.base.dropFirst() + "/./plugins/"))
    }

    @Test func aGroupWritableAncestorIsRefusedAndNamed() throws {
        let tree = try Tree()
        try tree.pluginDirectory("shared/plugins")
        try FileManager.default.setAttributes([.posixPermissions: 0o775], ofItemAtPath: tree.base + "/shared")
        let error = #expect(throws: PluginLoadError.self) { try loads(tree.base + "/shared/plugins") }
        #expect(error?.path == tree.base + "/shared")
        #expect(
            error?.description.contains("writable by its group (mode 775); fix with: chmod go-w \(tree.base)/shared")
                == true,
            "\(String(describing: error))")
    }

    @Test func aStickyWorldWritableAncestorLikeTmpIsPassedThrough() throws {
        let tree = try Tree()
        try tree.mkdir("tmp", mode: 0o1777)
        try tree.pluginDirectory("tmp/plugins")
        #expect(try loads(tree.base + "/tmp/plugins"))
        // Without the sticky bit anyone could rename the plugin directory away: refused.
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: tree.base + "/tmp")
        let error = #expect(throws: PluginLoadError.self) { try loads(tree.base + "/tmp/plugins") }
        #expect(error?.description.contains("writable by others (mode 777)") == true, "\(String(describing: error))")
    }

    @Test(.enabled(if: isRoot, "needs root to make a link owned by nobody"))
    func aLinkOfAnotherUserInAStickyDirectoryIsNotFollowed() throws {
        let tree = try Tree()
        try tree.mkdir("tmp", mode: 0o1777)
        let real = try tree.pluginDirectory("real")
        #expect(symlink(real, tree.base + "/tmp/link") == 0)
        #expect(lchown(tree.base + "/tmp/link", 65534, 65534) == 0)
        let error = #expect(throws: PluginLoadError.self) { try loads(tree.base + "/tmp/link") }
        #expect(
            error?.description.contains("symbolic link belongs to uid 65534") == true, "\(String(describing: error))")
    }

    @Test(.enabled(if: isRoot, "needs root to give a directory to nobody"))
    func anAncestorOwnedByAnotherUserIsRefused() throws {
        let tree = try Tree()
        try tree.pluginDirectory("theirs/plugins")
        #expect(chown(tree.base + "/theirs", 65534, 65534) == 0)
        let error = #expect(throws: PluginLoadError.self) { try loads(tree.base + "/theirs/plugins") }
        #expect(error?.path == tree.base + "/theirs")
        #expect(error?.description.contains("owned by uid 65534") == true)
    }

    @Test func aPluginPathThatIsNotADirectoryIsRefused() throws {
        let tree = try Tree()
        let dir = try tree.pluginDirectory("plugins")
        let error = #expect(throws: PluginLoadError.self) { try loads(dir + "/fullmesh.so") }
        #expect(error?.description.contains("not a directory") == true, "\(String(describing: error))")
    }
}
