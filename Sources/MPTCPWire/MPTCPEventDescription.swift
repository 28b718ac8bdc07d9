import SubflowPolicy

extension MPTCPEventAttributes {
    /// One line in the style of `ip mptcp monitor`, every present attribute included:
    /// `[SF_ESTABLISHED] token=… remid=5 locid=7 saddr4=… daddr4=… sport=… dport=… backup=0`.
    /// Differences from iproute2: the token is decimal (as `pm_nl_ctl` and subflowd's logs
    /// print it), FLAGS is shown as hex with `0x`, SERVER_SIDE, FAMILY-less ANNOUNCED and
    /// unknown attribute types are shown too.
    public func description(eventType: UInt8) -> String {
        let label = MPTCPEventType(rawValue: eventType)?.monitorName ?? "UNKNOWN \(eventType)"
        var line = "[\(label)]"
        func add(_ key: String, _ value: CustomStringConvertible?) {
            if let value { line += " \(key)=\(value)" }
        }
        add("token", token)
        add("remid", remoteID)
        add("locid", localID)
        add("saddr4", sourceIPv4)
        add("daddr4", destinationIPv4)
        add("saddr6", sourceIPv6)
        add("daddr6", destinationIPv6)
        add("sport", sourcePort)
        add("dport", destinationPort)
        add("backup", backup)
        add("error", error)
        add("flags", flags.map { "0x" + String($0, radix: 16) })
        add("timeout", timeout)
        add("ifindex", interface)
        add("reset_reason", resetReason)
        add("reset_flags", resetFlags.map { "0x" + String($0, radix: 16) })
        add("server_side", serverSide)
        if !unknownTypes.isEmpty {
            line += " unknown_attrs=" + unknownTypes.map(String.init).joined(separator: ",")
        }
        return line
    }
}

extension MPTCPEvent: CustomStringConvertible {
    /// The `ip mptcp monitor`-style line of the message a 6.18 kernel sends for this event.
    public var description: String { attributes.description(eventType: typeNumber) }
}
