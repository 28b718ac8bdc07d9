import Glibc

/// Who this process is and which groups exist, for the control socket's access rules
/// (root, the daemon's own user, or members of a configured group).
public enum LocalIdentity {
    /// The ID of group `name` (`getgrnam_r`, so /etc/group, LDAP, … as NSS says), or of a
    /// numeric ID given as text; nil if there is no such group.
    public static func groupID(named name: String) -> UInt32? {
        if let numeric = UInt32(name) { return numeric }
        var group = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = buffer.withUnsafeMutableBufferPointer { storage in
            getgrnam_r(name, &group, storage.baseAddress, storage.count, &result)
        }
        guard status == 0, result != nil else { return nil }
        return group.gr_gid
    }

    public static var effectiveUserID: UInt32 { geteuid() }
    public static var effectiveGroupID: UInt32 { getegid() }
    public static var processID: Int32 { getpid() }
}
