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
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.last("open", InputExcerpt.of(path, limit: 200)) }
        let status: FileStatus
        do throws(SystemError) { status = try FileStatus(descriptor: fd, path: path) } catch { close(fd); throw error }
        guard status.isRegularFile else {
            close(fd)
            throw SystemError.refused("open", path, errno: EINVAL, "it is \(status.kind), not a regular file")
        }
        return OpenedFile(descriptor: fd, path: path, status: status)
    }

    /// The file's bytes from its start; more than `limit` bytes is an error (EFBIG), never a
    /// silent cut.
    public func readAll(limit: Int) throws(SystemError) -> [UInt8] {
        func tooLarge() -> SystemError {
            SystemError.refused("read", path, errno: EFBIG, "larger than the limit of \(limit) bytes")
        }
        guard status.size <= limit else { throw tooLarge() }
        var result: [UInt8] = []
        result.reserveCapacity(status.size)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var offset = 0
        while true {
            let want = min(chunk.count, limit + 1 - result.count)
            let n = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, want, off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError.last("read", InputExcerpt.of(path, limit: 200))
            }
            if n == 0 { return result }
            result += chunk[0..<n]
            offset += n
            if result.count > limit { throw tooLarge() }
        }
    }
}
