/// Process exit statuses, from sysexits(3): the one list every program of the project uses,
/// so that a script or a systemd unit (`RestartPreventExitStatus=`) can tell a bad
/// configuration from a missing service or a lost event.
public enum ExitStatus {
    public static let success: Int32 = 0
    /// EX_USAGE: the command line is wrong.
    public static let usage: Int32 = 64
    /// EX_UNAVAILABLE: a service needed is not there (the daemon's control socket, MPTCP in
    /// this namespace, the kernel's path-manager family).
    public static let unavailable: Int32 = 69
    /// EX_TEMPFAIL: try again; the monitor lost events because the reader was too slow.
    public static let temporaryFailure: Int32 = 75
    /// EX_PROTOCOL: the other end answered with something that is not the protocol.
    public static let protocolError: Int32 = 76
    /// EX_NOPERM: a capability or a permission is missing (CAP_NET_ADMIN, the control socket's
    /// group).
    public static let permissionDenied: Int32 = 77
    /// EX_CONFIG: the configuration is wrong (a bad mode, a bad file, a bad policy).
    public static let configurationError: Int32 = 78
}
