import SubflowConfiguration
import SubflowDoctor
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// The daemon's metrics in Prometheus' text format, served by the metrics listener and by
/// the control socket's `metrics` command. docs/control.md lists every family.
enum MetricsReport {
    typealias Sample = PrometheusExposition.Sample

    static func text(_ state: ControlState) -> String {
        let manager = state.manager
        let counters = manager.counters
        let live = Array(manager.connections.connections.values)
        var out = PrometheusExposition()

        out.add(
            "subflowd_info", .gauge,
            help: "Always 1; labels: daemon version, policy API version, path manager at start.",
            [
                Sample(
                    [
                        ("version", ProductVersion.current), ("api_version", "\(PolicyABI.version)"),
                        ("path_manager", state.pathManagerAtStart),
                    ], 1)
            ])
        out.add("subflowd_uptime_seconds", .gauge, help: "Seconds since subflowd started.", value: state.uptimeSeconds)
        out.add(
            "subflowd_policy_loaded", .gauge,
            help: "Loaded policy plugins (1 each), with the policy API version they were built for.",
            manager.policyNames.map { Sample([("policy", $0), ("api_version", "\(PolicyABI.version)")], 1) })

        var perPolicy: [String: Int] = Dictionary(uniqueKeysWithValues: manager.policyNames.map { ($0, 0) })
        for connection in live { perPolicy[manager.policyName(for: connection.token) ?? "none", default: 0] += 1 }
        out.add(
            "subflowd_connections", .gauge, help: "MPTCP connections followed now, by the policy in charge.",
            perPolicy.keys.sorted().map { Sample([("policy", $0)], perPolicy[$0] ?? 0) })
        out.add(
            "subflowd_subflows", .gauge, help: "Live subflows of those connections, the initial ones included.",
            value: Double(live.reduce(0) { $0 + $1.subflows.count }))
        out.add(
            "subflowd_stale_connections", .gauge, help: "Connections whose state may be incomplete after lost events.",
            value: Double(live.filter(\.stale).count))
        let usable = manager.network.usable
        out.add(
            "subflowd_usable_local_addresses", .gauge, help: "Local addresses policies may use now, by family.",
            [
                Sample([("family", "ipv4")], usable.filter { $0.family == .ipv4 }.count),
                Sample([("family", "ipv6")], usable.filter { $0.family == .ipv6 }.count),
            ])

        out.add(
            "subflowd_events_total", .counter, help: "MPTCP events received from the kernel, by type.",
            StatusReport.eventNames(seen: counters.events).map { Sample([("type", $0)], counters.events[$0] ?? 0) })
        out.add(
            "subflowd_commands_total", .counter,
            help:
                "Policy commands by kernel command and result: ok, error (refused by the kernel), not_sent (refused by subflowd).",
            state.commands.all.map { Sample([("command", $0.key.command), ("result", $0.key.result)], $0.count) })
        out.add(
            "subflowd_commands_sent_total", .counter, help: "Commands sent to the kernel.",
            value: Double(counters.commandsSent))
        out.add(
            "subflowd_commands_failed_total", .counter, help: "Commands that failed, in the kernel or before it.",
            value: Double(counters.commandsFailed))
        out.add(
            "subflowd_command_errors_total", .counter, help: "Commands the kernel refused, by errno.",
            counters.commandErrors.keys.sorted().map {
                Sample([("errno", "\($0)"), ("name", StatusReport.errnoName($0))], counters.commandErrors[$0] ?? 0)
            })
        out.add(
            "subflowd_subflows_requested_total", .counter, help: "SUBFLOW_CREATE commands the kernel accepted.",
            value: Double(counters.subflowsRequested))
        out.add(
            "subflowd_subflow_requests_failed_total", .counter, help: "SUBFLOW_CREATE commands the kernel refused.",
            value: Double(counters.subflowRequestsFailed))
        out.add(
            "subflowd_subflows_failed_total", .counter, help: "Subflows that closed with an error or an MPTCP reset.",
            value: Double(counters.subflowsFailed))
        out.add(
            "subflowd_event_overruns_total", .counter,
            help: "Times the kernel dropped events (netlink receive buffer overrun).",
            value: Double(counters.eventOverruns))
        out.add(
            "subflowd_event_resyncs_total", .counter,
            help: "Resynchronisations from the kernel after lost events (one per burst of overruns).",
            value: Double(counters.eventResyncs))
        out.add(
            "subflowd_event_resync_failures_total", .counter, help: "Resyncs that could not read the kernel (retried).",
            value: Double(counters.eventResyncFailures))
        out.add(
            "subflowd_resync_connections_total", .counter,
            help: "Connections a resync found changed: adopted (new) or dropped (gone).",
            [
                Sample([("change", "adopted")], counters.connectionsAdoptedByResync),
                Sample([("change", "dropped")], counters.connectionsDroppedByResync),
            ])
        out.add(
            "subflowd_reply_overruns_total", .counter,
            help: "Times the kernel dropped answers (netlink overrun on the command socket).",
            value: Double(counters.replyOverruns))
        out.add(
            "subflowd_commands_unanswered_total", .counter,
            help: "Commands failed because their answer was lost or never came.",
            value: Double(counters.commandsUnanswered))
        out.add(
            "subflowd_recovered_subflows_on_unusable_addresses_total", .counter,
            help: "Recovered subflows on a local address gone or unusable, reported to their policy.",
            value: Double(counters.recoveredSubflowsOnUnusableAddresses))
        out.add(
            "subflowd_malformed_messages_total", .counter, help: "Netlink messages that could not be decoded.",
            value: Double(counters.malformedMessages))
        out.add(
            "subflowd_events_unknown_connection_total", .counter,
            help: "Events naming a connection subflowd does not know.",
            value: Double(counters.eventsForUnknownConnections))
        out.add(
            "subflowd_events_after_close_total", .counter,
            help: "Events the kernel sent after the connection's CLOSED (ignored).",
            value: Double(counters.eventsAfterClose))
        out.add(
            "subflowd_connections_vanished_total", .counter,
            help: "Connections found gone by a liveness check (no CLOSED event).",
            value: Double(counters.connectionsVanished))
        out.add(
            "subflowd_doctor_findings", .gauge,
            help: "Findings of the daemon's doctor checks now (docs/troubleshooting.md), by severity.",
            Finding.Severity.allCases.map { severity in
                Sample([("severity", severity.rawValue)], state.findings.filter { $0.severity == severity }.count)
            })
        if let microseconds = state.doctorMicroseconds {
            out.add(
                "subflowd_doctor_check_seconds", .gauge,
                help: "How long the latest run of the doctor checks took (they run off the event loop).",
                value: Double(microseconds) / 1_000_000)
        }
        out.add(
            "subflowd_control_clients", .gauge, help: "Clients connected to the control socket now.",
            value: Double(state.clients))
        out.add(
            "subflowd_monitor_clients_dropped_total", .counter,
            help: "Monitor clients disconnected for falling behind.",
            value: Double(state.monitorsDropped))
        out.add(
            "subflowd_control_clients_refused_total", .counter,
            help: "Control-socket clients refused: credentials not allowed, or too many clients.",
            value: Double(state.clientsRefused))
        return out.text
    }
}
