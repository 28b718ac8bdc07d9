import ArgumentParser

/// `subflowctl`: tools around subflowd — replaying and inspecting traces.
struct SubflowctlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subflowctl",
        abstract: "Talk to subflowd, diagnose MPTCP on this host, replay and inspect traces.",
        subcommands: [
            ReplayCommand.self, TraceCommand.self,
            // Talking to a running subflowd over its control socket (docs/control.md).
            StatusCommand.self, ConnectionsCommand.self, MonitorCommand.self, MetricsCommand.self,
            // Diagnosing the host (docs/troubleshooting.md).
            DoctorCommand.self,
        ])
}

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Read and write traces (pcap files with link type NETLINK).",
        subcommands: [TraceShowCommand.self, TraceBuildCommand.self])
}
