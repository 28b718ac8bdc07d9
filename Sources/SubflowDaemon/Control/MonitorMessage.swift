import MPTCPWire
import SubflowConfiguration
import SubflowCore
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// One line of the `monitor` stream for one thing the PathManager handled: a kernel event in
/// `ip mptcp monitor` style (`[SF_ESTABLISHED] token=…`), a network change, a policy's
/// command as sent to the kernel, or the kernel's answer to it.
enum MonitorMessage {
    static func json(
        _ observation: PathManager.Observation, manager: PathManager, wallMilliseconds: UInt64
    ) -> JSONValue {
        var object: JSONObject = ["type": "", "time": .double(Double(wallMilliseconds) / 1000)]
        switch observation {
        case .event(let event):
            object["type"] = "event"
            object["event"] = .string(event.name)
            if let token = event.token {
                object["token"] = .number(token.rawValue)
                if let policy = manager.policyName(for: token) { object["policy"] = .string(policy) }
            }
            object["text"] = .string(event.description)
        case .network(let event):
            object["type"] = "network"
            object["event"] = .string(networkName(event))
            object["text"] = .string(networkText(event))
        case .commandSent(let policy, let decision, let command):
            object["type"] = "command"
            describe(
                &object, policy: policy, decision: decision, kernel: command.number.name, text: command.description)
        case .commandNotSent(let policy, let decision, let error):
            object["type"] = "result"
            describe(
                &object, policy: policy, decision: decision, kernel: CommandTally.kernelName(of: decision), text: nil)
            object["result"] = "not_sent"
            object["errno"] = .number(error.errno)
            object["error"] = .string(error.description)
        case .commandAnswered(let policy, let decision, let command, let result):
            object["type"] = "result"
            describe(
                &object, policy: policy, decision: decision, kernel: command.number.name, text: command.description)
            switch result {
            case .success:
                object["result"] = "ok"
            case .failure(let error):
                object["result"] = "error"
                object["errno"] = .number(error.errno)
                object["error"] = .string(error.description)
            }
        }
        return .object(object)
    }

    /// The final line a monitor that fell behind receives before the daemon hangs up.
    static func dropped(pendingBytes: Int, limit: Int, wallMilliseconds: UInt64) -> JSONValue {
        [
            "type": "dropped", "time": .double(Double(wallMilliseconds) / 1000),
            "reason": .string(
                "this monitor fell behind: \(pendingBytes) bytes were waiting for it to read (limit \(limit)); subflowd does not wait for slow readers"
            ),
        ]
    }

    private static func describe(
        _ object: inout JSONObject, policy: String, decision: PathCommand, kernel: String, text: String?
    ) {
        object["policy"] = .string(policy)
        object["command"] = .string(kernel)
        object["token"] = .number(decision.token.rawValue)
        object["decision"] = .string(decision.description)
        if let text { object["text"] = .string(text) }
    }

    static func networkName(_ event: PolicyEvent) -> String {
        switch event {
        case .interfaceAdded: "INTERFACE_ADDED"
        case .interfaceChanged: "INTERFACE_CHANGED"
        case .interfaceRemoved: "INTERFACE_REMOVED"
        case .localAddressAvailable: "ADDRESS_USABLE"
        case .localAddressUnavailable: "ADDRESS_UNUSABLE"
        default: "OTHER"
        }
    }

    static func networkText(_ event: PolicyEvent) -> String {
        switch event {
        case .interfaceAdded(let i):
            "interface \(i) added, \(i.isUsable ? "usable" : "not usable (down or no carrier)")"
        case .interfaceChanged(let i): "interface \(i) changed: \(i.isUsable ? "usable" : "down or no carrier")"
        case .interfaceRemoved(let i): "interface \(i) removed"
        case .localAddressAvailable(let a): "address \(a) usable"
        case .localAddressUnavailable(let a): "address \(a) no longer usable"
        default: String(describing: event)
        }
    }
}
