import MPTCPWire
import SubflowConfiguration
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// The `status` answer: what runs (version, policies and their API version, the kernel's
/// path-manager mode), for how long, and every counter since the start.
enum StatusReport {
    /// Version of the control protocol (docs/control.md); bumped on incompatible changes.
    static let protocolVersion = 1

    static func json(_ state: ControlState) -> JSONValue {
        let manager = state.manager
        let counters = manager.counters
        let policies = manager.policyNames.enumerated().map { index, name -> JSONValue in
            // A plugin is loaded only if its ABI version equals the daemon's (PluginLoader).
            ["name": .string(name), "api_version": .number(PolicyABI.version), "default": .bool(index == 0)]
        }
        let rules = manager.selection.rules.map { JSONValue.string("\($0)") }
        var events = JSONObject()
        for name in eventNames(seen: counters.events) { events[name] = .number(counters.events[name] ?? 0) }
        let errors = counters.commandErrors.keys.sorted().map { errno -> JSONValue in
            [
                "errno": .number(errno), "name": .string(errnoName(errno)),
                "count": .number(counters.commandErrors[errno] ?? 0),
            ]
        }
        let byKind = state.commands.all.filter { $0.count > 0 }.map { entry -> JSONValue in
            ["command": .string(entry.key.command), "result": .string(entry.key.result), "count": .number(entry.count)]
        }
        let live = manager.connections.connections.values
        let counterObject: JSONValue = [
            "events": .object(events),
            "commands_sent": .number(counters.commandsSent),
            "commands_failed": .number(counters.commandsFailed),
            "commands_by_kind": .array(byKind),
            "command_errors": .array(errors),
            "subflows_requested": .number(counters.subflowsRequested),
            "subflow_requests_failed": .number(counters.subflowRequestsFailed),
            "subflows_failed": .number(counters.subflowsFailed),
            "event_overruns": .number(counters.eventOverruns),
            "event_resyncs": .number(counters.eventResyncs),
            "event_resync_failures": .number(counters.eventResyncFailures),
            "connections_adopted_by_resync": .number(counters.connectionsAdoptedByResync),
            "connections_dropped_by_resync": .number(counters.connectionsDroppedByResync),
            "reply_overruns": .number(counters.replyOverruns),
            "commands_unanswered": .number(counters.commandsUnanswered),
            "recovered_subflows_on_unusable_addresses": .number(counters.recoveredSubflowsOnUnusableAddresses),
            "malformed_messages": .number(counters.malformedMessages),
            "events_unknown_connection": .number(counters.eventsForUnknownConnections),
            "events_after_close": .number(counters.eventsAfterClose),
            "connections_vanished": .number(counters.connectionsVanished),
        ]
        return [
            "protocol": .number(protocolVersion),
            "version": .string(ProductVersion.current),
            "api_version": .number(PolicyABI.version),
            "pid": .number(LocalIdentity.processID),
            "uptime_seconds": .double(state.uptimeSeconds),
            "path_manager": .string(state.pathManagerNow),
            "path_manager_at_start": .string(state.pathManagerAtStart),
            "policies": .array(policies),
            "rules": .array(rules),
            "connections": .number(manager.connections.count),
            "subflows": .number(live.reduce(0) { $0 + $1.subflows.count }),
            "stale_connections": .number(live.filter(\.stale).count),
            "usable_local_addresses": .number(manager.network.usable.count),
            "counters": counterObject,
            // The daemon's doctor (docs/troubleshooting.md): the same objects as `subflowctl
            // doctor --json` prints, from its latest run ([] before the first).
            "findings": .array(state.findings.map(\.json)),
            "control": [
                "clients": .number(state.clients),
                "monitors": .number(state.monitors),
                "monitors_dropped": .number(state.monitorsDropped),
                "clients_refused": .number(state.clientsRefused),
            ],
        ]
    }

    /// Every event type the kernel defines, then any other name seen, in a stable order.
    static func eventNames(seen: [String: Int]) -> [String] {
        let known = MPTCPEventType.allCases.map(\.name)
        return known + seen.keys.filter { !known.contains($0) }.sorted()
    }

    static func errnoName(_ errno: Int32) -> String { "\(KernelError.Code(rawValue: errno))" }
}
