import SubflowPolicy

extension AddressEntry {
    /// `198.18.1.1:47001 id=5 flags=signal dev=2`, `[2001:db8::1] id=6`, or `id=5` for an
    /// entry named by ID only. Empty flags are not shown.
    var compactDescription: String {
        var parts: [String] = []
        if let address = wireAddress {
            parts.append(port == 0 ? address.description : SocketEndpoint(address, port: port).description)
        } else if port != 0 {
            parts.append("port=\(port)")
        }
        if let id { parts.append("id=\(id)") }
        if !flags.isEmpty { parts.append("flags=\(flags)") }
        if let interface { parts.append("dev=\(interface)") }
        return parts.joined(separator: " ")
    }
}

extension MPTCPCommand: CustomStringConvertible {
    /// One line naming the kernel command and its arguments, e.g.
    /// `[SUBFLOW_CREATE] token=123 local=(198.18.1.2 id=7) remote=(198.18.1.1:47001)`.
    public var description: String {
        var line = "[\(number.name)]"
        if let token { line += " token=\(token)" }
        switch self {
        case .announce(_, let address):
            line += " addr=(\(address.compactDescription))"
        case .remove(_, let id):
            line += " locid=\(id)"
        case .subflowCreate(_, let local, let remote), .subflowDestroy(_, let local, let remote):
            line += " local=(\(local.compactDescription)) remote=(\(remote.compactDescription))"
        case .setFlags(_, let local, let remote):
            line += " local=(\(local.compactDescription))"
            if let remote { line += " remote=(\(remote.compactDescription))" }
        case .getAddress(_, let id):
            line += " id=\(id)"
        case .dumpAddresses:
            line += " dump"
        case .addEndpoint(let entry), .deleteEndpoint(let entry):
            line += " addr=(\(entry.compactDescription))"
        case .flushEndpoints, .getLimits:
            break
        case .setLimits(let received, let subflows):
            if let received { line += " add_addr_accepted=\(received)" }
            if let subflows { line += " subflows=\(subflows)" }
        }
        return line
    }
}
