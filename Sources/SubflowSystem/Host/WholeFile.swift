import Glibc
import SubflowFormats

/// The one way subflowd and subflowctl read a whole file (configuration, traces, scenarios,
/// expectations, /proc and /proc/sys): opened without blocking, only a regular file, and never
/// more than the caller's limit — checked against the size before reading and again while
/// reading, so /dev/zero, a FIFO or a growing file cannot make it read (or wait) for ever.
extension OpenedFile {
    /// Opens a file someone named for reading (links followed: for files the caller chose;
    /// files subflowd acts on with its privileges go through TrustedPath). O_NONBLOCK: opening a
    /// FIFO never waits for a writer. Anything but a regular file is refused.
    public static func openRegularFile(_ path: String) throws(SystemError) -> OpenedFile {
        let fd = try Descriptor.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
            .orThrow("open", InputExcerpt.of(path, limit: 200))
        let status: FileStatus
        do throws(SystemError) { status = try FileStatus(descriptor: fd, path: path) } catch { fd.close(); throw error }
        guard status.isRegularFile else {
            fd.close()
            throw SystemError.refused("open", path, errno: .invalidArgument, "it is \(status.kind), not a regular file")
        }
        return OpenedFile(descriptor: fd, path: path, status: status)
    }

    /// The file's bytes from its start; more than `limit` bytes is an error (EFBIG), never a
    /// silent cut.
    public func readAll(limit: Int) throws(SystemError) -> [UInt8] {
        func tooLarge() -> SystemError {
            SystemError.refused("read", path, errno: .fileTooLarge, "larger than the limit of \(limit) bytes")
        }
        guard status.size <= limit else { throw tooLarge() }
        var result: [UInt8] = []
        result.reserveCapacity(status.size)
        while true {
            // One byte more than the limit allows: reading it proves the file grew past it.
            let chunk = try read(
                at: result.count, count: min(1 << 16, limit + 1 - result.count),
                shownPath: InputExcerpt.of(path, limit: 200))
            if chunk.isEmpty { return result }
            result += chunk
            if result.count > limit { throw tooLarge() }
        }
    }
}
