import Glibc

/// Owner and permission bits of a file, for the plugin loader's safety checks.
public struct FileStatus: Sendable, Hashable {
    public var ownerUID: UInt32
    public var groupID: UInt32
    public var mode: UInt32
    public var isDirectory: Bool
    public var isRegularFile: Bool

    /// `stat(2)` that follows symlinks (a plugin reached through a link is judged by its target).
    public init(path: String) throws(SystemError) {
        var st = stat()
        guard stat(path, &st) == 0 else { throw SystemError.last("stat", path) }
        ownerUID = st.st_uid
        groupID = st.st_gid
        mode = st.st_mode & 0o7777
        isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
        isRegularFile = (st.st_mode & S_IFMT) == S_IFREG
    }

    public var isWritableByOthers: Bool { mode & 0o002 != 0 }
    public var isWritableByGroup: Bool { mode & 0o020 != 0 }

    /// The effective user ID of this process.
    public static var effectiveUID: UInt32 { geteuid() }
}
