import SubflowSystem

/// Checks, before anything else, that this network namespace will let subflowd do its job:
/// MPTCP present and enabled, and the *userspace* path manager selected. Otherwise the
/// kernel silently ignores every command subflowd sends (mptcpd's most common trap).
struct KernelModeCheck {
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// What was found, for the log and `--version`-style reports.
    struct Mode: CustomStringConvertible {
        var pathManager: String
        var description: String { "MPTCP enabled, path manager \(pathManager)" }
    }

    /// Reads sysctls through this closure (tests substitute a table).
    var read: (String) -> String? = Sysctl.read
    var write: (String, String) throws -> Void = { try Sysctl.write($0, $1) }

    /// Verifies the mode; with `setMode`, switches the namespace to the userspace path
    /// manager (and enables MPTCP) instead of refusing.
    func verify(setMode: Bool) throws(Refusal) -> Mode {
        guard let enabled = read("net.mptcp.enabled") else {
            throw Refusal(description: """
                MPTCP is not available: /proc/sys/net/mptcp does not exist in this network namespace. \
                Use a kernel built with CONFIG_MPTCP=y (Linux 5.19 or newer for the userspace path manager).
                """)
        }
        if enabled != "1" {
            guard setMode else {
                throw Refusal(description: """
                    MPTCP is disabled in this network namespace (net.mptcp.enabled = \(enabled)). \
                    Fix: sysctl -w net.mptcp.enabled=1 (or set "set-path-manager = yes" in subflowd.conf, or start subflowd with --set-path-manager)
                    """)
            }
            try set("net.mptcp.enabled", "1")
        }
        if let mode = read("net.mptcp.path_manager") {
            if mode == "userspace" { return Mode(pathManager: mode) }
            guard setMode else {
                throw Refusal(description: """
                    the network namespace uses the in-kernel path manager (net.mptcp.path_manager = \(mode)), \
                    which ignores subflowd's commands. Fix: sysctl -w net.mptcp.path_manager=userspace \
                    (or set "set-path-manager = yes" in subflowd.conf, or start subflowd with --set-path-manager). Connections opened before the switch keep \
                    the path manager they started with.
                    """)
            }
            try set("net.mptcp.path_manager", "userspace")
            return Mode(pathManager: "userspace (set by subflowd)")
        }
        if let type = read("net.mptcp.pm_type") {
            if type == "1" { return Mode(pathManager: "userspace") }
            guard setMode else {
                throw Refusal(description: """
                    the network namespace uses the in-kernel path manager (net.mptcp.pm_type = \(type)), \
                    which ignores subflowd's commands. Fix: sysctl -w net.mptcp.pm_type=1 \
                    (or set "set-path-manager = yes" in subflowd.conf, or start subflowd with --set-path-manager)
                    """)
            }
            try set("net.mptcp.pm_type", "1")
            return Mode(pathManager: "userspace (set by subflowd)")
        }
        throw Refusal(description: """
            this kernel has MPTCP but no userspace path manager (neither net.mptcp.path_manager nor \
            net.mptcp.pm_type exists): Linux 5.19 or newer is needed
            """)
    }

    private func set(_ name: String, _ value: String) throws(Refusal) {
        do { try write(name, value) } catch {
            throw Refusal(description: "could not set \(name)=\(value): \(error) (subflowd needs CAP_NET_ADMIN in this network namespace)")
        }
    }
}
