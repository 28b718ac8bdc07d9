import Foundation

/// Built executables run as another user (`nobody`) from a copy they can reach: the build
/// folder may lie below a directory only root can traverse (a checkout in a 0700 home or
/// temporary folder), where the loader cannot even open the product's own shared libraries
/// ("error while loading shared libraries: libSubflowPolicy.so").
///
/// The copy holds the executable and the build folder's shared libraries side by side; the
/// products' run path contains `$ORIGIN`, so they find each other there.
enum ToolsForOtherUsers {
    struct Unreachable: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "\(path) is not reachable by other users (a parent directory is not traversable by others); "
                + "set TMPDIR to a directory every user can traverse"
        }
    }

    /// The path of a copy of product `name` inside `bed`'s work directory (removed with it).
    static func copy(_ name: String, into bed: Testbed) throws -> String {
        let directory = bed.workDirectory.appendingPathComponent("tools-for-others")
        let fileManager = FileManager.default
        let target = directory.appendingPathComponent(name).path
        if fileManager.isExecutableFile(atPath: target) { return target }
        try fileManager.createDirectory(
            at: directory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755])
        let source = BuiltProducts.directory
        for library in try fileManager.contentsOfDirectory(atPath: source.path)
        where library.hasPrefix("lib") && library.hasSuffix(".so") {
            let copy = directory.appendingPathComponent(library).path
            if !fileManager.fileExists(atPath: copy) {
                try fileManager.copyItem(atPath: source.appendingPathComponent(library).path, toPath: copy)
            }
        }
        try fileManager.copyItem(atPath: try BuiltProducts.path(name), toPath: target)
        try fileManager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target)
        try requireTraversableByOthers(directory.path)
        return target
    }

    /// Every ancestor of `path` must let others search it (x for "other").
    static func requireTraversableByOthers(_ path: String) throws {
        var current = URL(fileURLWithPath: path)
        while current.path != "/" {
            let mode = (try FileManager.default.attributesOfItem(atPath: current.path)[.posixPermissions] as? Int) ?? 0
            guard mode & 0o001 != 0 else { throw Unreachable(path: current.path) }
            current = current.deletingLastPathComponent()
        }
    }
}
