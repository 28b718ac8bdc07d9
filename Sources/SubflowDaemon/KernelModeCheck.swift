import SubflowConfiguration
import SubflowSystem

/// Checks, before anything else, that this network namespace will let subflowd do its job:
/// MPTCP present and enabled, and the *userspace* path manager selected. Otherwise the
/// kernel silently ignores every command subflowd sends (mptcpd's most common trap).
///
/// Checking and changing are two steps: `plan` only reads, and `apply` writes the sysctls
/// the plan needs. The daemon applies the plan only once everything else that can refuse
/// the start (capabilities, kernel sockets, policies, control socket) has passed, so a
/// daemon that exits never leaves the namespace switched to a path manager nobody serves.
struct KernelModeCheck {
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// What was found, for the log and `--version`-style reports.
    struct Mode: CustomStringConvertible {
        var pathManager: String
        var description: String { "MPTCP enabled, path manager \(pathManager)" }
    }

    /// The mode subflowd will run in, and the sysctl writes (name, value) that get it there.
    struct Plan {
        var mode: Mode
        var writes: [(name: String, value: String)]
    }

    /// Reads sysctls through this closure (tests substitute a table).
    var read: (String) -> String? = Sysctl.read
    var write: (String, String) throws -> Void = { try Sysctl.write($0, $1) }

    /// Verifies the mode without changing anything; with `setMode`, plans the switch to the
    /// userspace path manager (and enabling MPTCP) instead of refusing.
    func plan(setMode: Bool) throws(Refusal) -> Plan {
        var writes: [(name: String, value: String)] = []
        guard let enabled = read("net.mptcp.enabled") else {
            throw Refusal(
                description: """
                    MPTCP is not available: /proc/sys/net/mptcp does not exist in this network namespace. \
                    Use a kernel built with CONFIG_MPTCP=y (Linux 5.19 or newer for the userspace path manager).
                    """)
        }
        if enabled != "1" {
            guard setMode else {
                throw Refusal(
                    description: """
                        MPTCP is disabled in this network namespace (net.mptcp.enabled = \(enabled)). \
                        Fix: sysctl -w net.mptcp.enabled=1 (or set "set-path-manager = yes" in subflowd.conf, or start subflowd with --set-path-manager)
                        """)
            }
            writes.append(("net.mptcp.enabled", "1"))
        }
        if let mode = read("net.mptcp.path_manager") {
            if mode == "userspace" { return Plan(mode: Mode(pathManager: mode), writes: writes) }
            guard setMode else {
                throw Refusal(
                    description: """
                        the network namespace uses the in-kernel path manager (net.mptcp.path_manager = \(mode)), \
                        which ignores subflowd's commands. Fix: sysctl -w net.mptcp.path_manager=userspace \
                        (or set "set-path-manager = yes" in subflowd.conf, or start subflowd with --set-path-manager). Connections opened before the switch keep \
                        the path manager they started with.
                        """)
            }
            writes.append(("net.mptcp.path_manager", "userspace"))
            return Plan(mode: Mode(pathManager: "userspace (set by subflowd)"), writes: writes)
        }
        if let type = read("net.mptcp.pm_type") {
            if type == "1" { return Plan(mode: Mode(pathManager: "userspace"), writes: writes) }
            guard setMode else {
                throw Refusal(
                    description: """
                        the network namespace uses the in-kernel path manager (net.mptcp.pm_type = \(type)), \
                        which ignores subflowd's commands. Fix: sysctl -w net.mptcp.pm_type=1 \
                        (or set "set-path-manager = yes" in subflowd.conf, or start subflowd with --set-path-manager)
                        """)
            }
            writes.append(("net.mptcp.pm_type", "1"))
            return Plan(mode: Mode(pathManager: "userspace (set by subflowd)"), writes: writes)
        }
        throw Refusal(
            description: """
                this kernel has MPTCP but no userspace path manager (neither net.mptcp.path_manager nor \
                net.mptcp.pm_type exists): Linux 5.19 or newer is needed
                """)
    }

    /// Writes the sysctls the plan needs, in order.
    func apply(_ plan: Plan) throws(Refusal) {
        for (name, value) in plan.writes {
            do { try write(name, value) } catch {
                throw Refusal(
                    description:
                        "could not set \(name)=\(value): \(error) (subflowd needs CAP_NET_ADMIN in this network namespace)"
                )
            }
        }
    }
}
