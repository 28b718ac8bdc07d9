import Glibc

/// Small whole-file reads and writes with plain syscalls (no Foundation): sysctls under
/// /proc/sys, /proc/self/status, configuration files.
public enum TextFile {
    /// Reads a whole regular file (see OpenedFile.readAll: non-blocking, limit checked while
    /// reading); a file larger than `limit` bytes is an error (EFBIG), never silently cut short.
    public static func read(_ path: String, limit: Int = 1 << 20) throws(SystemError) -> String {
        String(decoding: try OpenedFile.openRegularFile(path).readAll(limit: limit), as: UTF8.self)
    }

    /// Replaces a file's content (for sysctls: one write of the value).
    public static func write(_ path: String, _ text: String) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC)
        guard fd >= 0 else { throw SystemError.last("open", path) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw SystemError.last("write", path) }
    }

    /// Creates or replaces a file with `text` (mode 0644).
    public static func writeCreating(_ path: String, _ text: String) throws(SystemError) {
        try Files.writeBytes(path, Array(text.utf8))
    }
}
