import Glibc

/// Small whole-file reads and writes with plain syscalls (no Foundation): sysctls under
/// /proc/sys, /proc/self/status, configuration files.
public enum TextFile {
    /// Reads a whole regular file (see OpenedFile.readAll: non-blocking, limit checked while
    /// reading); a file larger than `limit` bytes is an error (EFBIG), never silently cut short.
    public static func read(_ path: String, limit: Int = 1 << 20) throws(SystemError) -> String {
        String(decoding: try OpenedFile.openRegularFile(path).readAll(limit: limit), as: UTF8.self)
    }

    /// Replaces a file's content (for sysctls: one write of the value; the file must exist).
    public static func write(_ path: String, _ text: String) throws(SystemError) {
        try Files.write(Array(text.utf8), to: path, flags: O_WRONLY | O_CLOEXEC | O_TRUNC)
    }

    /// Creates or replaces a file with `text` (mode 0644).
    public static func writeCreating(_ path: String, _ text: String) throws(SystemError) {
        try Files.writeBytes(path, Array(text.utf8))
    }
}
