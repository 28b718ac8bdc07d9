import Glibc

/// Who is at the other end of a connected UNIX socket, as the kernel recorded it when the peer
/// called connect(): `SO_PEERCRED` (pid, effective uid and gid) and `SO_PEERGROUPS` (its
/// supplementary groups, Linux 4.13+). The peer cannot forge these; file permissions on the
/// socket can be loosened by anyone with write access to the directory, so a server that
/// cares checks both.
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups (empty when the kernel does not report them).
    public var groups: [UInt32]

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.pid = pid; self.uid = uid; self.gid = gid; self.groups = groups
    }

    /// `SO_PEERCRED` = 17, `SO_PEERGROUPS` = 59 (asm-generic/socket.h).
    static let optionPeerCredentials: Int32 = 17
    static let optionPeerGroups: Int32 = 59

    /// Reads the credentials of the peer of the connected UNIX socket `fd`.
    public init(socket fd: Descriptor) throws(SystemError) {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } (only declared with _GNU_SOURCE).
        var raw: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
        guard system_getsockopt(fd, SOL_SOCKET, Self.optionPeerCredentials, &raw, &length) == 0 else {
            throw SystemError.last("getsockopt(SO_PEERCRED)")
        }
        self.init(pid: raw.0, uid: raw.1, gid: raw.2, groups: Self.peerGroups(fd))
    }

    /// `SO_PEERGROUPS`; the kernel answers ERANGE with the size it needs when the buffer is short.
    private static func peerGroups(_ fd: Descriptor) -> [UInt32] {
        var groups = [UInt32](repeating: 0, count: 64)
        for _ in 0..<2 {
            var length = socklen_t(groups.count * MemoryLayout<UInt32>.size)
            let result = groups.withUnsafeMutableBytes {
                system_getsockopt(fd, SOL_SOCKET, optionPeerGroups, $0.baseAddress, &length)
            }
            if result == 0 { return Array(groups.prefix(Int(length) / MemoryLayout<UInt32>.size)) }
            guard Errno.current == .resultOutOfRange else { return [] }
            groups = [UInt32](repeating: 0, count: Int(length) / MemoryLayout<UInt32>.size + 1)
        }
        return []
    }

    /// True when `group` is the peer's primary group or one of its supplementary groups.
    public func isMember(of group: UInt32) -> Bool { gid == group || groups.contains(group) }

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }
}
