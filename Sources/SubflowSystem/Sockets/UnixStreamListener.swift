import Glibc

/// A listening UNIX stream socket at a path, non-blocking, for a server on the event loop.
///
/// The socket file is created with its final mode and group before `listen()`, so no client
/// can connect while it is looser than asked (the mode is set on the socket inode with
/// `fchmod` before `bind`, which Linux uses for the file it creates, then on the file itself).
/// A file left at the path by a server that died is replaced; a socket some live process
/// still accepts on, or a file that is not a socket, is not: `bind` throws EADDRINUSE or EEXIST.
/// `close()` removes the file only if it is still the one this listener created.
public final class UnixStreamListener {
    public let path: String
    /// The descriptor, or -1 once closed.
    public private(set) var fd: Int32
    private let identity: (device: UInt64, inode: UInt64)

    private init(path: String, fd: Int32, identity: (UInt64, UInt64)) {
        self.path = path; self.fd = fd; self.identity = identity
    }

    deinit { close() }

    /// Creates the socket file at `path` with permission bits `mode` and group `group` (nil:
    /// this process's group), creating the parent directory (mode 0755) if it is missing.
    public static func bind(path: String, mode: UInt32, group: UInt32?, backlog: Int32 = 16) throws(SystemError) -> UnixStreamListener {
        guard path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw SystemError(operation: "bind", errno: ENAMETOOLONG, detail: path)
        }
        try createParentDirectory(of: path)
        try removeStaleSocket(at: path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.last("socket(AF_UNIX)") }
        var bound = false
        do throws(SystemError) {
            guard fchmod(fd, mode_t(mode)) == 0 else { throw SystemError.last("fchmod", path) }
            let result = withSocketAddress(path) { Glibc.bind(fd, $0, $1) }
            guard result == 0 else { throw SystemError.last("bind", path) }
            bound = true
            guard chown(path, geteuid(), group ?? getegid()) == 0 else { throw SystemError.last("chown", path) }
            guard chmod(path, mode_t(mode)) == 0 else { throw SystemError.last("chmod", path) }
            var st = stat()
            guard lstat(path, &st) == 0 else { throw SystemError.last("lstat", path) }
            try setNonBlocking(fd)
            guard listen(fd, backlog) == 0 else { throw SystemError.last("listen", path) }
            return UnixStreamListener(path: path, fd: fd, identity: (UInt64(st.st_dev), UInt64(st.st_ino)))
        } catch {
            if bound { unlink(path) }
            Glibc.close(fd)
            throw error
        }
    }

    /// Accepts one pending connection as a non-blocking descriptor with its peer's
    /// credentials; nil when none is waiting.
    public func accept() throws(SystemError) -> (fd: Int32, peer: PeerCredentials)? {
        guard let client = try AcceptedSocket.accept(on: fd, operation: "accept(\(path))") else { return nil }
        do throws(SystemError) {
            return (client, try PeerCredentials(socket: client))
        } catch {
            Glibc.close(client)
            throw error
        }
    }

    /// Stops listening and removes the socket file if it is still ours.
    public func close() {
        guard fd >= 0 else { return }
        var st = stat()
        if lstat(path, &st) == 0, UInt64(st.st_dev) == identity.device, UInt64(st.st_ino) == identity.inode {
            unlink(path)
        }
        Glibc.close(fd)
        fd = -1
    }

    // MARK: helpers

    /// Calls `body` with a `sockaddr_un` for `path`.
    static func withSocketAddress<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    private static func createParentDirectory(of path: String) throws(SystemError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let parent = String(path[..<slash])
        if mkdir(parent, 0o755) != 0 && errno != EEXIST { throw SystemError.last("mkdir", parent) }
    }

    /// Unlinks a socket file nobody accepts on any more; refuses to touch anything else.
    private static func removeStaleSocket(at path: String) throws(SystemError) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else {
            throw SystemError(operation: "bind", errno: EEXIST, detail: "\(path) exists and is not a socket")
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { throw SystemError.last("socket(AF_UNIX)") }
        defer { Glibc.close(probe) }
        try setNonBlocking(probe)
        if withSocketAddress(path, { connect(probe, $0, $1) }) == 0 || errno == EAGAIN || errno == EINPROGRESS {
            throw SystemError(operation: "bind", errno: EADDRINUSE, detail: "another process serves \(path)")
        }
        guard errno == ECONNREFUSED else { throw SystemError.last("connect", path) }
        guard unlink(path) == 0 || errno == ENOENT else { throw SystemError.last("unlink", path) }
    }

    static func setNonBlocking(_ fd: Int32) throws(SystemError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw SystemError.last("fcntl(O_NONBLOCK)") }
    }
}

/// accept(2) for the listeners of this folder: retries EINTR and ECONNABORTED, returns nil on
/// EAGAIN, and hands back a non-blocking, close-on-exec descriptor.
enum AcceptedSocket {
    static func accept(on listener: Int32, operation: String,
                       address: UnsafeMutablePointer<sockaddr>? = nil,
                       length: UnsafeMutablePointer<socklen_t>? = nil) throws(SystemError) -> Int32? {
        while true {
            let fd = Glibc.accept(listener, address, length)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                do throws(SystemError) { try UnixStreamListener.setNonBlocking(fd) } catch {
                    Glibc.close(fd)
                    throw error
                }
                return fd
            }
            switch errno {
            case EINTR, ECONNABORTED: continue
            case EAGAIN: return nil
            default: throw SystemError.last(operation)
            }
        }
    }
}
