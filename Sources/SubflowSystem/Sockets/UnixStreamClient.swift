import Glibc

/// The client end of a line-oriented UNIX stream socket, for command-line tools: connect to a
/// path, send lines, read lines with a deadline. Blocking, one owner at a time.
public final class UnixStreamClient {
    public let path: String
    private var fd: Int32
    /// Bytes received after the last complete line.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var atEnd = false

    private init(path: String, fd: Int32) { self.path = path; self.fd = fd }

    deinit { close() }

    /// Connects to the socket at `path`. Throws the errno the kernel gave: ENOENT (no such
    /// socket), EACCES (the file's permissions refuse this user), ECONNREFUSED (nobody listens).
    public static func connect(path: String) throws(SystemError) -> UnixStreamClient {
        guard path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw SystemError(operation: "connect", errno: ENAMETOOLONG, detail: path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.last("socket(AF_UNIX)") }
        while UnixStreamListener.withSocketAddress(path, { Glibc.connect(fd, $0, $1) }) != 0 {
            if errno == EINTR { continue }
            let error = SystemError.last("connect", path)
            Glibc.close(fd)
            throw error
        }
        return UnixStreamClient(path: path, fd: fd)
    }

    /// Sends `text` and a newline, all of it.
    public func sendLine(_ text: String) throws(SystemError) {
        var bytes = Array(text.utf8)
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            throw SystemError.last("send", path)
        }
    }

    /// The next line, without its newline; nil at the end of the stream (a last line without a
    /// newline is returned first). Throws ETIMEDOUT when nothing complete arrived within
    /// `timeout` (nil: wait for ever) and EMSGSIZE for a line longer than `maximum` bytes.
    public func readLine(timeout: Duration?, maximum: Int) throws(SystemError) -> [UInt8]? {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now.advanced(by: $0) }
        while true {
            if let newline = pending[pendingStart...].firstIndex(of: 0x0A) {
                let line = Array(pending[pendingStart..<newline])
                pendingStart = newline + 1
                if pendingStart > 65_536 { pending.removeFirst(pendingStart); pendingStart = 0 }
                return line
            }
            if pending.count - pendingStart > maximum {
                throw SystemError(operation: "read", errno: EMSGSIZE, detail: "a line longer than \(maximum) bytes from \(path)")
            }
            if atEnd {
                guard pendingStart < pending.count else { return nil }
                let line = Array(pending[pendingStart...])
                pending = []; pendingStart = 0
                return line
            }
            try waitReadable(until: deadline, clock: clock)
            try receive()
        }
    }

    public func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    private func waitReadable(until deadline: ContinuousClock.Instant?, clock: ContinuousClock) throws(SystemError) {
        while true {
            var milliseconds: Int32 = -1
            if let deadline {
                let left = clock.now.duration(to: deadline)
                guard left > .zero else { throw SystemError(operation: "read", errno: ETIMEDOUT, detail: path) }
                let (seconds, attoseconds) = left.components
                milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&entry, 1, milliseconds)
            if n > 0 { return }
            if n < 0 && errno != EINTR { throw SystemError.last("poll", path) }
        }
    }

    private func receive() throws(SystemError) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { pending.append(contentsOf: buffer.prefix(n)); return }
            if n == 0 { atEnd = true; return }
            if errno == EINTR { continue }
            if errno == ECONNRESET { atEnd = true; return }
            throw SystemError.last("recv", path)
        }
    }
}
