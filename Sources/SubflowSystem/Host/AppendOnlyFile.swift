import Glibc

/// A file written only at its end, one write(2) per call: what was written survives a crash
/// of the process (it is in the kernel's page cache at once).
public final class AppendOnlyFile {
    public let path: String
    private var fd: Int32
    public private(set) var size: Int

    /// Takes over a descriptor opened for appending (see TrustedDirectory.createForAppending).
    init(descriptor: Int32, path: String, size: Int) {
        self.fd = descriptor
        self.path = path
        self.size = size
    }

    deinit { close() }

    public func write(_ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError.last("write", path)
            }
            offset += n
        }
        size += bytes.count
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}

/// Whole-file and directory-entry operations on binary files.
public enum Files {
    /// A whole regular file (see OpenedFile.readAll).
    public static func readBytes(_ path: String, limit: Int = 1 << 30) throws(SystemError) -> [UInt8] {
        try OpenedFile.openRegularFile(path).readAll(limit: limit)
    }

    public static func writeBytes(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError.last("open", path) }
        defer { Glibc.close(fd) }
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw SystemError.last("write", path) }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func rename(_ from: String, to: String) throws(SystemError) {
        guard Glibc.rename(from, to) == 0 else { throw SystemError.last("rename", "\(from) -> \(to)") }
    }
}
