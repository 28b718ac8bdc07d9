import Foundation

/// A private plugin directory (mode 0755) holding copies of built plugins under given names.
public final class PluginDirectory {
    public let path: String
    public init(_ files: [String: String], mode: Int = 0o755) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("sfd-plugins-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        for (name, built) in files {
            let target = "\(path)/\(name)"
            try FileManager.default.copyItem(atPath: "\(BuiltProducts.directory.path)/\(built)", toPath: target)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target)
        }
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func chmod(_ name: String, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: "\(path)/\(name)")
    }
}
