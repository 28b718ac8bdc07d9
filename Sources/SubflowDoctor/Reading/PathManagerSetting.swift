/// Which path manager the namespace's new connections get: `net.mptcp.path_manager`
/// (Linux 6.15+), or `net.mptcp.pm_type` (0 kernel, 1 userspace) on older kernels.
struct PathManagerSetting {
    enum Kind: Equatable {
        case kernel
        case userspace
        /// A value this doctor does not know (a future path manager).
        case other
    }

    var kind: Kind
    /// The sysctl as read, for findings: `net.mptcp.path_manager = kernel`.
    var evidence: Finding.Evidence

    /// Nil when neither sysctl exists (no upstream MPTCP: the kernel check says so).
    static func read(_ host: HostView) -> PathManagerSetting? {
        if let value = host.sysctl("net.mptcp.path_manager") {
            let kind: Kind = value == "kernel" ? .kernel : value == "userspace" ? .userspace : .other
            return PathManagerSetting(kind: kind, evidence: .init("net.mptcp.path_manager", value))
        }
        if let value = host.sysctl("net.mptcp.pm_type") {
            let kind: Kind = value == "0" ? .kernel : value == "1" ? .userspace : .other
            return PathManagerSetting(kind: kind, evidence: .init("net.mptcp.pm_type", value))
        }
        return nil
    }

    /// The command that selects the userspace path manager on this kernel.
    var userspaceCommand: String {
        evidence.what == "net.mptcp.pm_type"
            ? "sysctl -w net.mptcp.pm_type=1" : "sysctl -w net.mptcp.path_manager=userspace"
    }
}
