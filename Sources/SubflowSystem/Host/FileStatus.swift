import Glibc

/// Type, owner, permission bits, size and identity of a file: what the trust checks and the
/// whole-file reads decide on.
public struct FileStatus: Sendable, Hashable {
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        case regularFile, directory, symbolicLink, fifo, characterDevice, blockDevice, socket, unknown

        init(mode: mode_t) {
            switch mode & S_IFMT {
            case S_IFREG: self = .regularFile
            case S_IFDIR: self = .directory
            case S_IFLNK: self = .symbolicLink
            case S_IFIFO: self = .fifo
            case S_IFCHR: self = .characterDevice
            case S_IFBLK: self = .blockDevice
            case S_IFSOCK: self = .socket
            default: self = .unknown
            }
        }

        public var description: String {
            switch self {
            case .regularFile: "a regular file"
            case .directory: "a directory"
            case .symbolicLink: "a symbolic link"
            case .fifo: "a FIFO (named pipe)"
            case .characterDevice: "a character device"
            case .blockDevice: "a block device"
            case .socket: "a socket"
            case .unknown: "a file of unknown type"
            }
        }
    }

    public var ownerUID: UInt32
    public var groupID: UInt32
    public var mode: UInt32
    public var kind: Kind
    public var size: Int
    /// Device and inode: the file's identity, whatever name reached it.
    public var device: UInt64
    public var inode: UInt64

    init(_ st: stat) {
        ownerUID = st.st_uid
        groupID = st.st_gid
        mode = st.st_mode & 0o7777
        kind = Kind(mode: st.st_mode)
        size = Int(st.st_size)
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }

    /// `stat(2)` that follows symlinks (for reports; trust decisions use TrustedPath).
    public init(path: String) throws(SystemError) {
        var st = stat()
        guard system_stat(path, &st) == 0 else { throw SystemError.last("stat", path) }
        self.init(st)
    }

    /// `fstat(2)` of an open descriptor: the file that is open, not what a name points at now.
    init(descriptor: Descriptor, path: String) throws(SystemError) {
        var st = stat()
        guard system_fstat(descriptor, &st) == 0 else { throw SystemError.last("fstat", path) }
        self.init(st)
    }

    public var isDirectory: Bool { kind == .directory }
    public var isRegularFile: Bool { kind == .regularFile }
    public var isWritableByOthers: Bool { mode & 0o002 != 0 }
    public var isWritableByGroup: Bool { mode & 0o020 != 0 }
    /// The sticky bit: in such a directory only an entry's owner may rename or remove it.
    public var isSticky: Bool { mode & UInt32(S_ISVTX) != 0 }

    /// The effective user ID of this process.
    public static var effectiveUID: UInt32 { geteuid() }
}
