import CMNL
import Glibc

/// Opens files that subflowd acts on with its privileges — policy plugins, its configuration,
/// the directory it records into — so that only root and the user running subflowd can have
/// chosen what is opened.
///
/// The path is walked one component at a time from `/` with `openat(Int32(SFD_O_PATH) | O_NOFOLLOW)`,
/// and every directory on the way (`/` included), and the file itself, must be owned by root
/// or the running user and writable by nobody else. A directory writable by others is
/// passed through only if it has the sticky bit (like /tmp: there nobody may rename or remove
/// another user's entry), and then only entries of root or the running user are used from
/// it. Symbolic links are followed by hand, from the directory that holds them, so a link
/// in a trusted directory to a trusted place works (/usr/lib/subflowd → …) and a link an
/// untrusted user could flip is never followed through an untrusted directory. What is
/// opened is what was checked: the caller gets the descriptor, never a path to look up again.
public enum TrustedPath {
    /// Like the kernel's limit on nested links (ELOOP).
    public static let maximumLinks = 40

    /// Opens a directory; its whole chain must be trusted.
    public static func openDirectory(_ path: String) throws(TrustError) -> TrustedDirectory {
        var walk = try Walk(startingAt: path)
        return try walk.directory(components(of: path))
    }

    /// Opens a regular file for reading (non-blocking: a FIFO would be refused anyway, and
    /// opening never waits); its whole chain must be trusted.
    public static func openFile(_ path: String) throws(TrustError) -> OpenedFile {
        var walk = try Walk(startingAt: path)
        return try walk.file(components(of: path))
    }

    static func components(of path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }

    /// The trust rule for one directory or file.
    static func check(_ status: FileStatus, at path: String) throws(TrustError) {
        let isDirectory = status.isDirectory
        if status.ownerUID != 0 && status.ownerUID != FileStatus.effectiveUID {
            throw TrustError(path: path, problem: .untrustedOwner(uid: status.ownerUID, isDirectory: isDirectory))
        }
        if (status.isWritableByOthers || status.isWritableByGroup) && !(isDirectory && status.isSticky) {
            throw TrustError(
                path: path,
                problem: .writable(
                    byOthers: status.isWritableByOthers, mode: status.mode,
                    isDirectory: isDirectory))
        }
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory == "/" ? "/" + name : directory + "/" + name
    }
}

/// The walk: a chain of trusted, open directories from `/` down, extended one name at a time.
struct Walk {
    /// Descriptors (O_PATH) and paths of the trusted directories, `/` first. Owned until
    /// handed to a TrustedDirectory.
    var chain: [(fd: Descriptor, path: String, status: FileStatus)] = []
    var links = 0

    init(startingAt path: String) throws(TrustError) {
        try pushRoot()
        if !path.hasPrefix("/") {
            // Relative to the working directory: walk its path too, so its ancestors are checked.
            guard let cwd = getcwd(nil, 0) else {
                throw TrustError(path: path, problem: .system(SystemError.last("getcwd")))
            }
            let directory = String(cString: cwd)
            free(cwd)
            do { try walk(TrustedPath.components(of: directory), wantDirectory: true) } catch { release(); throw error }
        }
    }

    /// Continues from an open trusted directory (its chain is copied, not taken).
    init(continuing directory: TrustedDirectory) {
        // F_DUPFD_CLOEXEC: dup(2) would drop close-on-exec, and children must not inherit these.
        chain = directory.chain.map {
            (Descriptor(rawValue: system_fcntl($0.fd, F_DUPFD_CLOEXEC, 0)), $0.path, $0.status)
        }
    }

    mutating func release() {
        for entry in chain { entry.fd.close() }
        chain = []
    }

    mutating func directory(_ components: [String]) throws(TrustError) -> TrustedDirectory {
        do { try walk(components, wantDirectory: true) } catch { release(); throw error }
        let directory = TrustedDirectory(chain: chain)
        chain = []
        return directory
    }

    /// The last component must be a regular file; it is reopened for reading from its
    /// directory and must still be the same file (device and inode).
    mutating func file(_ components: [String]) throws(TrustError) -> OpenedFile {
        defer { release() }
        let last = try walk(components, wantDirectory: false)!
        defer { last.fd.close() }
        let parent = chain.last!
        let opened = descriptorOrErrno(
            system_openat(parent.fd, last.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY))
        guard case .success(let fd) = opened else {
            throw TrustError(path: last.path, problem: .system(SystemError.last("open")))
        }
        let status: FileStatus
        do throws(SystemError) { status = try FileStatus(descriptor: fd, path: last.path) } catch {
            fd.close()
            throw TrustError(path: last.path, problem: .system(error))
        }
        guard status.device == last.status.device, status.inode == last.status.inode else {
            fd.close()
            throw TrustError(path: last.path, problem: .changedWhileOpening)
        }
        return OpenedFile(descriptor: fd, path: last.path, status: status)
    }

    private mutating func pushRoot() throws(TrustError) {
        guard case .success(let fd) = Descriptor.open("/", Int32(SFD_O_PATH) | O_DIRECTORY | O_CLOEXEC) else {
            throw TrustError(path: "/", problem: .system(SystemError.last("open")))
        }
        let status: FileStatus
        do throws(SystemError) { status = try FileStatus(descriptor: fd, path: "/") } catch {
            fd.close()
            throw TrustError(path: "/", problem: .system(error))
        }
        chain.append((fd, "/", status))
        do { try TrustedPath.check(status, at: "/") } catch { release(); throw error }
    }

    private mutating func backToRoot() {
        while chain.count > 1 { chain.removeLast().fd.close() }
    }

    /// Walks `components` from the end of the chain. Directories are checked and appended;
    /// with `wantDirectory` false the last component must be a regular file, which is checked
    /// and returned (O_PATH descriptor) instead of appended.
    @discardableResult
    private mutating func walk(
        _ components: [String], wantDirectory: Bool
    )
        throws(TrustError) -> (fd: Descriptor, path: String, status: FileStatus, name: String)?
    {
        var pending = Array(components.reversed())
        while let name = pending.popLast() {
            if name == "." || name.isEmpty { continue }
            if name == ".." {
                // The parent is the previous link of the chain, already checked (at `/`, `/`).
                if chain.count > 1 { chain.removeLast().fd.close() }
                continue
            }
            let parent = chain.last!
            let path = TrustedPath.join(parent.path, name)
            let opened = descriptorOrErrno(system_openat(parent.fd, name, Int32(SFD_O_PATH) | O_NOFOLLOW | O_CLOEXEC))
            guard case .success(let fd) = opened else {
                let error = SystemError.last("open")
                throw TrustError(
                    path: path, problem: error.errno == .noSuchFileOrDirectory ? .notFound : .system(error))
            }
            let status: FileStatus
            do throws(SystemError) { status = try FileStatus(descriptor: fd, path: path) } catch {
                fd.close()
                throw TrustError(path: path, problem: .system(error))
            }
            if status.kind == .symbolicLink {
                defer { fd.close() }
                let othersMayWrite = parent.status.isWritableByOthers || parent.status.isWritableByGroup
                if othersMayWrite && status.ownerUID != 0 && status.ownerUID != FileStatus.effectiveUID {
                    throw TrustError(path: path, problem: .untrustedLink(uid: status.ownerUID))
                }
                links += 1
                guard links <= TrustedPath.maximumLinks else { throw TrustError(path: path, problem: .tooManyLinks) }
                let target = try Walk.linkTarget(fd, path)
                if target.hasPrefix("/") { backToRoot() }
                pending += TrustedPath.components(of: target).reversed()
                continue
            }
            // The kind first: "chmod go-w /dev/zero" would be no answer to "a device is not a file".
            let isLast = pending.isEmpty
            if isLast && !wantDirectory {
                guard status.isRegularFile else {
                    fd.close(); throw TrustError(path: path, problem: .notARegularFile(status.kind))
                }
            } else {
                guard status.isDirectory else {
                    fd.close(); throw TrustError(path: path, problem: .notADirectory(status.kind))
                }
            }
            do { try TrustedPath.check(status, at: path) } catch { fd.close(); throw error }
            if isLast && !wantDirectory { return (fd, path, status, name) }
            chain.append((fd, path, status))
        }
        guard wantDirectory else {
            throw TrustError(path: chain.last!.path, problem: .notARegularFile(.directory))
        }
        return nil
    }

    /// readlinkat(2) on an O_PATH descriptor of the link itself (empty name).
    private static func linkTarget(_ fd: Descriptor, _ path: String) throws(TrustError) -> String {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = buffer.withUnsafeMutableBytes { system_readlinkat(fd, "", $0) }
        guard n >= 0 else { throw TrustError(path: path, problem: .system(SystemError.last("readlink"))) }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }
}
