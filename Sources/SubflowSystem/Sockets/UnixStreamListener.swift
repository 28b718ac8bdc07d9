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
    /// The descriptor (`Descriptor.closed` once closed).
    public private(set) var fd: Descriptor
    private let identity: (device: UInt64, inode: UInt64)

    private init(path: String, fd: Descriptor, identity: (UInt64, UInt64)) {
        self.path = path; self.fd = fd; self.identity = identity
    }

    deinit { close() }

    /// Creates the socket file at `path` with permission bits `mode` and group `group` (nil:
    /// this process's group), creating the parent directory (mode 0755) if it is missing.
    public static func bind(
        path: String, mode: UInt32, group: UInt32?, backlog: Int32 = 16
    ) throws(SystemError) -> UnixStreamListener {
        guard path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw SystemError(operation: "bind", errno: .nameTooLong, detail: path)
        }
        try createParentDirectory(of: path)
        try removeStaleSocket(at: path)
        let fd = try descriptorOrErrno(
            system_socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        )
        .orThrow("socket(AF_UNIX)")
        var bound = false
        do throws(SystemError) {
            guard system_fchmod(fd, mode_t(mode)) == 0 else { throw SystemError.last("fchmod", path) }
            let result = withSocketAddress(path) { system_bind(fd, $0, $1) }
            guard result == 0 else { throw SystemError.last("bind", path) }
            bound = true
            guard system_chown(path, geteuid(), group ?? getegid()) == 0 else { throw SystemError.last("chown", path) }
            guard system_chmod(path, mode_t(mode)) == 0 else { throw SystemError.last("chmod", path) }
            var st = stat()
            guard system_lstat(path, &st) == 0 else { throw SystemError.last("lstat", path) }
            try setNonBlocking(fd)
            guard system_listen(fd, backlog) == 0 else { throw SystemError.last("listen", path) }
            return UnixStreamListener(path: path, fd: fd, identity: (UInt64(st.st_dev), UInt64(st.st_ino)))
        } catch {
            if bound { _ = system_unlink(path) }
            fd.close()
            throw error
        }
    }

    /// Accepts one pending connection as a non-blocking descriptor with its peer's
    /// credentials; nil when none is waiting.
    public func accept() throws(SystemError) -> (fd: Descriptor, peer: PeerCredentials)? {
        guard let client = try AcceptedSocket.accept(on: fd, operation: "accept(\(path))") else { return nil }
        do throws(SystemError) {
            return (client, try PeerCredentials(socket: client))
        } catch {
            client.close()
            throw error
        }
    }

    /// Stops listening and removes the socket file if it is still ours.
    public func close() {
        guard fd != .closed else { return }
        var st = stat()
        if system_lstat(path, &st) == 0, UInt64(st.st_dev) == identity.device, UInt64(st.st_ino) == identity.inode {
            _ = system_unlink(path)
        }
        fd.close()
        fd = .closed
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
        if system_mkdir(parent, 0o755) != 0 && Errno.current != .fileExists { throw SystemError.last("mkdir", parent) }
    }

    /// Unlinks a socket file nobody accepts on any more; refuses to touch anything else.
    private static func removeStaleSocket(at path: String) throws(SystemError) {
        var st = stat()
        guard system_lstat(path, &st) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else {
            throw SystemError(operation: "bind", errno: .fileExists, detail: "\(path) exists and is not a socket")
        }
        let probe = try descriptorOrErrno(
            system_socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        )
        .orThrow("socket(AF_UNIX)")
        defer { probe.close() }
        try setNonBlocking(probe)
        switch valueOrErrno(withSocketAddress(path, { system_connect(probe, $0, $1) })) {
        case .success, .failure(.tryAgain), .failure(.inProgress):
            throw SystemError(operation: "bind", errno: .addressInUse, detail: "another process serves \(path)")
        case .failure(.connectionRefused):
            break
        case .failure(let error):
            throw SystemError(operation: "connect", errno: error, detail: path)
        }
        guard system_unlink(path) == 0 || Errno.current == .noSuchFileOrDirectory else {
            throw SystemError.last("unlink", path)
        }
    }

    static func setNonBlocking(_ fd: Descriptor) throws(SystemError) {
        if let error = fd.setNonBlocking(true) { throw SystemError(operation: "fcntl(O_NONBLOCK)", errno: error) }
    }
}

/// accept(2) for the listeners of this folder: retries EINTR and ECONNABORTED, returns nil on
/// EAGAIN, and hands back a non-blocking, close-on-exec descriptor.
enum AcceptedSocket {
    static func accept(
        on listener: Descriptor, operation: String,
        address: UnsafeMutablePointer<sockaddr>? = nil,
        length: UnsafeMutablePointer<socklen_t>? = nil
    ) throws(SystemError) -> Descriptor? {
        switch retryingAborted({ system_accept(listener, address, length) }) {
        case .success(let fd):
            _ = system_fcntl(fd, F_SETFD, FD_CLOEXEC)
            do throws(SystemError) { try UnixStreamListener.setNonBlocking(fd) } catch {
                fd.close()
                throw error
            }
            return fd
        case .failure(.tryAgain): return nil
        case .failure(let error): throw SystemError(operation: operation, errno: error)
        }
    }

    /// accept(2) made again after EINTR and after ECONNABORTED (a pending connection reset
    /// before it was taken: the next one may be fine).
    static func retryingAborted(_ call: () -> Int32) -> Result<Descriptor, Errno> {
        while true {
            switch retryingOnInterrupt(call) {
            case .success(let fd): return .success(Descriptor(rawValue: fd))
            case .failure(.connectionAborted): continue
            case .failure(let error): return .failure(error)
            }
        }
    }
}
