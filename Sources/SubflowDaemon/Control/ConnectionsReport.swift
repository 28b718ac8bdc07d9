import SubflowConfiguration
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// The `connections` answer: every MPTCP connection the daemon follows, as its state says
/// after the kernel's events — token, endpoints of the initial subflow, side, policy in
/// charge, live subflows with their address IDs and backup flag, addresses announced either
/// way, age, the last subflow that failed, and whether events may have been lost for it.
enum ConnectionsReport {
    static func json(_ state: ControlState) -> JSONValue {
        let manager = state.manager
        let now = MonotonicClock.nowMilliseconds
        let connections = manager.connections.connections.values.sorted { $0.token < $1.token }
        return .array(
            connections.map { connection in
                [
                    "token": .number(connection.token.rawValue),
                    "side": .string(connection.side.rawValue),
                    "local": endpoint(connection.local),
                    "remote": endpoint(connection.remote),
                    "policy": .optional(manager.policyName(for: connection.token)),
                    "established": .bool(connection.established),
                    "age_seconds": state.ages.ageSeconds(connection.token, now: now).map { .double($0) } ?? .null,
                    "stale": .bool(connection.stale),
                    "deny_join_initial_endpoint": .bool(connection.denyJoinInitialEndpoint),
                    "subflows": .array(connection.subflows.map(subflow)),
                    "announced_by_peer": announced(connection.announcedByPeer),
                    "announced_locally": announced(connection.announcedLocally),
                    "last_error": connection.lastFailedSubflow.map(failure) ?? .null,
                ]
            })
    }

    static func endpoint(_ endpoint: SocketEndpoint) -> JSONValue {
        ["address": .string(endpoint.address.description), "port": .number(endpoint.port)]
    }

    static func subflow(_ subflow: Subflow) -> JSONValue {
        var object: JSONObject = [
            "local": endpoint(subflow.local), "remote": endpoint(subflow.remote),
            "local_id": .number(subflow.localID.rawValue), "remote_id": .number(subflow.remoteID.rawValue),
            "backup": .bool(subflow.backup),
        ]
        if let interface = subflow.interface { object["interface"] = .number(interface.rawValue) }
        return .object(object)
    }

    /// The subflow that last closed with an error: its 4-tuple, the socket errno, and the
    /// MPTCP reset reason when the peer sent one.
    static func failure(_ subflow: Subflow) -> JSONValue {
        guard case .object(var object) = Self.subflow(subflow) else { return .null }
        if let error = subflow.error {
            object["error"] = .number(error)
            object["error_name"] = .string(StatusReport.errnoName(Int32(error)))
        }
        if let reason = subflow.resetReason { object["reset_reason"] = .number(reason) }
        if let flags = subflow.resetFlags { object["reset_flags"] = .number(flags) }
        return .object(object)
    }

    static func announced(_ addresses: [AddressID: SocketEndpoint]) -> JSONValue {
        .array(
            addresses.keys.sorted().map { id in
                ["id": .number(id.rawValue), "endpoint": endpoint(addresses[id]!)]
            })
    }
}
