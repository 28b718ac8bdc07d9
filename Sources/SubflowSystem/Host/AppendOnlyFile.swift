import Glibc

/// A file written only at its end, one write(2) per call: what was written survives a crash
/// of the process (it is in the kernel's page cache at once).
public final class AppendOnlyFile {
    public let path: String
    private var fd: Descriptor?
    public private(set) var size: Int

    /// Takes over a descriptor opened for appending (see TrustedDirectory.createForAppending).
    init(descriptor: Descriptor, path: String, size: Int) {
        self.fd = descriptor
        self.path = path
        self.size = size
    }

    deinit { close() }

    public func write(_ bytes: [UInt8]) throws(SystemError) {
        guard let fd else { throw SystemError(operation: "write", errno: .badFileDescriptor, detail: path) }
        if let error = fd.writeAll(bytes) { throw SystemError(operation: "write", errno: error, detail: path) }
        size += bytes.count
    }

    public func close() {
        fd?.close()
        fd = nil
    }
}

/// Whole-file and directory-entry operations on binary files.
public enum Files {
    /// A whole regular file (see OpenedFile.readAll).
    public static func readBytes(_ path: String, limit: Int = 1 << 30) throws(SystemError) -> [UInt8] {
        try OpenedFile.openRegularFile(path).readAll(limit: limit)
    }

    /// Creates or replaces `path` with `bytes` (mode 0644).
    public static func writeBytes(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
        try write(bytes, to: path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o644)
    }

    /// The one whole-file write: open with `flags`, write every byte, close.
    static func write(_ bytes: [UInt8], to path: String, flags: Int32, mode: mode_t = 0) throws(SystemError) {
        let fd = try Descriptor.open(path, flags, mode).orThrow("open", path)
        defer { fd.close() }
        if let error = fd.writeAll(bytes) { throw SystemError(operation: "write", errno: error, detail: path) }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func rename(_ from: String, to: String) throws(SystemError) {
        guard system_rename(from, to) == 0 else { throw SystemError.last("rename", "\(from) -> \(to)") }
    }
}
