import Glibc

/// The client end of a line-oriented UNIX stream socket, for command-line tools: connect to a
/// path, send lines, read lines with a deadline. Blocking, one owner at a time.
public final class UnixStreamClient {
    public let path: String
    private var fd: Descriptor
    /// Bytes received after the last complete line.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var atEnd = false

    private init(path: String, fd: Descriptor) { self.path = path; self.fd = fd }

    deinit { close() }

    /// Connects to the socket at `path`. Throws the errno the kernel gave: ENOENT (no such
    /// socket), EACCES (the file's permissions refuse this user), ECONNREFUSED (nobody listens).
    public static func connect(path: String) throws(SystemError) -> UnixStreamClient {
        guard path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw SystemError(operation: "connect", errno: .nameTooLong, detail: path)
        }
        let fd = try descriptorOrErrno(
            system_socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        )
        .orThrow("socket(AF_UNIX)")
        // A blocking connect(2) to a UNIX socket completes or fails at once; after EINTR it
        // is simply made again.
        let connected = retryingOnInterrupt {
            UnixStreamListener.withSocketAddress(path) { system_connect(fd, $0, $1) }
        }
        if case .failure(let error) = connected {
            fd.close()
            throw SystemError(operation: "connect", errno: error, detail: path)
        }
        return UnixStreamClient(path: path, fd: fd)
    }

    /// Sends `text` and a newline, all of it.
    public func sendLine(_ text: String) throws(SystemError) {
        var bytes = Array(text.utf8)
        bytes.append(0x0A)
        if let error = fd.writeAll(bytes, .send) { throw SystemError(operation: "send", errno: error, detail: path) }
    }

    /// The next line, without its newline; nil at the end of the stream (a last line without a
    /// newline is returned first). Throws ETIMEDOUT when nothing complete arrived within
    /// `timeout` (nil: wait for ever) and EMSGSIZE for a line longer than `maximum` bytes.
    public func readLine(timeout: Duration?, maximum: Int) throws(SystemError) -> [UInt8]? {
        let deadline = PollWait.deadline(after: timeout)
        while true {
            if let newline = pending[pendingStart...].firstIndex(of: 0x0A) {
                let line = Array(pending[pendingStart..<newline])
                pendingStart = newline + 1
                if pendingStart > 65_536 { pending.removeFirst(pendingStart); pendingStart = 0 }
                return line
            }
            if pending.count - pendingStart > maximum {
                throw SystemError(
                    operation: "read", errno: .messageTooLong,
                    detail: "a line longer than \(maximum) bytes from \(path)")
            }
            if atEnd {
                guard pendingStart < pending.count else { return nil }
                let line = Array(pending[pendingStart...])
                pending = []; pendingStart = 0
                return line
            }
            try waitReadable(until: deadline)
            try receive()
        }
    }

    public func close() {
        guard fd != .closed else { return }
        fd.close()
        fd = .closed
    }

    private func waitReadable(until deadline: MonotonicClock.Instant?) throws(SystemError) {
        var entry = [pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)]
        guard try PollWait.poll(&entry, until: deadline).orThrow("poll", path) > 0 else {
            throw SystemError(operation: "read", errno: .timedOut, detail: path)
        }
    }

    private func receive() throws(SystemError) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        switch buffer.withUnsafeMutableBytes({ raw in
            retryingOnInterrupt { system_recv(fd, raw.baseAddress, raw.count, 0) }
        }) {
        case .success(0), .failure(.connectionReset): atEnd = true
        case .success(let n): pending.append(contentsOf: buffer.prefix(n))
        case .failure(let error): throw SystemError(operation: "recv", errno: error, detail: path)
        }
    }
}
