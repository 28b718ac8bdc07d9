import CMNL
import Glibc

/// A directory opened by TrustedPath, with the chain of trusted directories above it held
/// open. Files in it are reached through its descriptor (openat, renameat), never through
/// its path again, so what was checked is what is used.
public final class TrustedDirectory {
    /// The directory's path after following links (for messages).
    public var path: String { chain.last!.path }
    let chain: [(fd: Descriptor, path: String, status: FileStatus)]
    var descriptor: Descriptor { chain.last!.fd }

    init(chain: [(fd: Descriptor, path: String, status: FileStatus)]) { self.chain = chain }

    deinit { for entry in chain { entry.fd.close() } }

    /// The path of an entry, for messages.
    public func pathOf(_ name: String) -> String { TrustedPath.join(path, name) }

    /// Opens `name` (a plain name, or a relative path) below this directory for reading, by
    /// the same rules; nil when there is no such file.
    public func openFile(_ name: String) throws(TrustError) -> OpenedFile? {
        var walk = Walk(continuing: self)
        do { return try walk.file(TrustedPath.components(of: name)) } catch {
            if error.isNotFound && error.path == TrustedPath.join(path, name) { return nil }
            throw error
        }
    }

    /// The entry `name` itself (a link is not followed), or nil when there is none.
    public func entryStatus(_ name: String) throws(SystemError) -> FileStatus? {
        var st = stat()
        guard system_fstatat(descriptor, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            if Errno.current == .noSuchFileOrDirectory { return nil }
            throw SystemError.last("stat", TrustedPath.join(path, name))
        }
        return FileStatus(st)
    }

    /// Renames an entry within this directory (renameat: the directory is not looked up again).
    public func rename(_ from: String, to: String) throws(SystemError) {
        guard system_renameat(descriptor, from, descriptor, to) == 0 else {
            throw SystemError.last("rename", "\(TrustedPath.join(path, from)) -> \(TrustedPath.join(path, to))")
        }
    }

    /// Creates `name` (with `mode`) for appending; it must not exist yet (O_EXCL), so nothing
    /// is ever opened or created through a symbolic link or appended to by mistake.
    public func createForAppending(_ name: String, mode: mode_t = 0o640) throws(SystemError) -> AppendOnlyFile {
        let shown = TrustedPath.join(path, name)
        let fd = try descriptorOrErrno(
            system_openat(
                descriptor, name,
                O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW
                    | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, mode)
        ).orThrow("open", shown)
        let status: FileStatus
        do throws(SystemError) { status = try FileStatus(descriptor: fd, path: shown) } catch {
            fd.close(); throw error
        }
        guard status.isRegularFile else {
            fd.close()
            throw SystemError(
                operation: "open", errno: .invalidArgument, detail: "\(shown): it is \(status.kind), not a regular file"
            )
        }
        return AppendOnlyFile(descriptor: fd, path: shown, size: status.size)
    }
}

/// A file opened for reading, with its status as fstat(2) saw it on the descriptor.
public final class OpenedFile {
    public let path: String
    public let status: FileStatus
    let descriptor: Descriptor
    private var isOwned = true

    init(descriptor: Descriptor, path: String, status: FileStatus) {
        self.descriptor = descriptor; self.path = path; self.status = status
    }

    deinit { if isOwned { descriptor.close() } }

    /// Gives the descriptor away for the life of the process (a dlopen()ed object stays
    /// mapped, and its /proc/self/fd name must keep naming it).
    func keepOpenForever() -> Descriptor {
        isOwned = false
        return descriptor
    }

    /// Up to `count` bytes at `offset` (pread: the file position is not used); fewer only
    /// where the file ends. The one read loop of whole-file reads and ELF checks.
    public func read(at offset: Int, count: Int) throws(SystemError) -> [UInt8] {
        try read(at: offset, count: count, shownPath: path)
    }

    func read(at offset: Int, count: Int, shownPath: String) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let done = try bytes.withUnsafeMutableBytes { descriptor.read(into: $0, at: offset) }.orThrow("read", shownPath)
        return done == count ? bytes : Array(bytes[0..<done])
    }
}
