/// Is upstream MPTCP there and enabled in this namespace? (failure-mode table K1, K1b, K3)
struct KernelCheck: DoctorCheck {
    let name = "kernel"

    func run(on host: HostView) -> CheckOutcome {
        guard host.hasUpstreamMPTCP else {
            return .findings([
                host.finding(
                    "mptcp-missing", .problem,
                    "This kernel has no upstream MPTCP: /proc/sys/net/mptcp does not exist.",
                    evidence: [.init("/proc/sys/net/mptcp", "absent")],
                    fix: "run a kernel built with CONFIG_MPTCP=y (5.19 or later for the userspace path manager)")
            ])
        }
        guard let enabled = host.sysctl("net.mptcp.enabled") else {
            return .skipped("cannot read net.mptcp.enabled")
        }
        guard enabled == "1" else {
            return .findings([
                host.finding(
                    "mptcp-disabled", .problem,
                    "MPTCP is disabled in this network namespace: MPTCP sockets fail with ENOPROTOOPT and applications fall back or fail (to keep the fix across reboots: net.mptcp.enabled = 1 in /etc/sysctl.d/90-mptcp.conf).",
                    evidence: [.init("net.mptcp.enabled", enabled)],
                    fix: host.inNamespace("sysctl -w net.mptcp.enabled=1"))
            ])
        }
        return .clean
    }
}
