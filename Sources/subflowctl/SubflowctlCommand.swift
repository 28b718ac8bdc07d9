import ArgumentParser

/// `subflowctl`: tools around subflowd — replaying and inspecting traces.
struct SubflowctlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subflowctl",
        abstract: "Replay and inspect subflowd traces.",
        subcommands: [
            ReplayCommand.self, TraceCommand.self,
            // Talking to a running subflowd over its control socket (docs/control.md).
            StatusCommand.self, ConnectionsCommand.self, MonitorCommand.self, MetricsCommand.self,
        ])
}

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Read and write traces (pcap files with link type NETLINK).",
        subcommands: [TraceShowCommand.self, TraceBuildCommand.self])
}
