import SubflowPolicy

/// The extended-ack texts (`NLMSGERR_ATTR_MSG`) of the kernel's `mptcp_pm` family that subflowd
/// acts on, as net/mptcp/pm_userspace.c and pm_netlink.c send them. They are part of the
/// kernel's answer as much as its errno (all three come with EINVAL), and the only way to tell
/// "the connection is gone" from "the connection is not ours" — so they are named once, here,
/// and compared whole.
public enum MPTCPKernelMessage {
    /// The token names no MPTCP connection of this namespace (it closed, or never existed).
    public static let invalidToken = "invalid token"
    /// The connection exists but is run by the in-kernel path manager, not by us.
    public static let userspacePathManagerNotSelected = "userspace PM not selected"
    /// An address and an ID given together name different entries of the connection's list.
    public static let addressAndIDMismatch = "did not match address and id"
}

extension KernelError {
    /// The kernel no longer knows the connection the command named ("invalid token").
    public var isInvalidToken: Bool { message == MPTCPKernelMessage.invalidToken }

    /// The connection is under the in-kernel path manager ("userspace PM not selected").
    public var isUserspacePathManagerNotSelected: Bool { message == MPTCPKernelMessage.userspacePathManagerNotSelected }
}
