import SubflowPolicy
import SubflowSystem

/// Building event messages as the kernel does (for kernel doubles, replayed traces and
/// golden-byte tests). The attribute order is the one Linux 6.18 uses, seen in captured
/// messages: `mptcp_event_put_token_and_ssk` and its callers in `net/mptcp/pm_netlink.c`.
extension MPTCPEventAttributes {
    /// The kernel's attribute order for each event; attributes not listed follow in
    /// numeric order.
    static func emissionOrder(_ event: MPTCPEventType?) -> [MPTCPEventAttribute] {
        switch event {
        case .created, .established:
            // TOKEN, SERVER_SIDE (only when 1), FLAGS (only when non-zero), then the subflow.
            [
                .token, .serverSide, .flags, .family, .saddr4, .saddr6, .daddr4, .daddr6,
                .sport, .dport, .localID, .remoteID,
            ]
        case .subflowEstablished, .subflowClosed, .subflowPriority:
            [
                .token, .family, .saddr4, .saddr6, .daddr4, .daddr6, .sport, .dport,
                .localID, .remoteID, .backup, .interfaceIndex, .error, .resetReason, .resetFlags,
            ]
        case .announced:
            [.token, .remoteID, .dport, .daddr4, .daddr6]
        case .removed:
            [.token, .remoteID]
        case .closed:
            [.token]
        case .listenerCreated, .listenerClosed:
            [.family, .sport, .saddr4, .saddr6]
        case nil:
            []
        }
    }

    /// Appends every present attribute in the kernel's order for `event`. Unknown attribute
    /// types are not encoded (their payloads were not kept).
    public func encode(into builder: inout NetlinkMessageBuilder, for event: MPTCPEventType?) {
        for attribute in presentAttributes(orderedFor: event) {
            let t = attribute.rawValue
            switch attribute {
            case .token: builder.putU32(t, token!.rawValue)
            case .family: builder.putU16(t, family!)
            case .localID: builder.putU8(t, localID!.rawValue)
            case .remoteID: builder.putU8(t, remoteID!.rawValue)
            case .saddr4: builder.putBytes(t, sourceIPv4!.bytes)
            case .saddr6: builder.putBytes(t, sourceIPv6!.bytes)
            case .daddr4: builder.putBytes(t, destinationIPv4!.bytes)
            case .daddr6: builder.putBytes(t, destinationIPv6!.bytes)
            case .sport: builder.putBE16(t, sourcePort!)
            case .dport: builder.putBE16(t, destinationPort!)
            case .backup: builder.putU8(t, backup!)
            case .error: builder.putU8(t, error!)
            case .flags: builder.putU16(t, flags!)
            case .timeout: builder.putU32(t, timeout!)
            case .interfaceIndex: builder.putS32(t, interface!.rawValue)
            case .resetReason: builder.putU32(t, resetReason!)
            case .resetFlags: builder.putU32(t, resetFlags!)
            case .serverSide: builder.putU8(t, serverSide!)
            }
        }
    }

    /// A whole event message: `nlmsghdr` (flags 0, as multicast events have) + `genlmsghdr`
    /// (cmd = event type) + attributes.
    public func encode(
        eventType: UInt8, familyID: UInt16, sequence: UInt32 = 0,
        version: UInt8 = MPTCPFamily.version
    ) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: familyID, flags: [], sequence: sequence)
        b.putGenericHeader(command: eventType, version: version)
        encode(into: &b, for: MPTCPEventType(rawValue: eventType))
        return b.finish()
    }

    /// Sets SADDR4 or SADDR6 (and SPORT) from an endpoint; `withFamily` also sets FAMILY.
    mutating func setSource(_ endpoint: SocketEndpoint, withFamily: Bool = true) {
        if withFamily { family = endpoint.family.rawValue }
        if endpoint.family == .ipv4 { sourceIPv4 = endpoint.address } else { sourceIPv6 = endpoint.address }
        sourcePort = endpoint.port
    }

    mutating func setDestination(_ endpoint: SocketEndpoint) {
        if endpoint.family == .ipv4 { destinationIPv4 = endpoint.address } else { destinationIPv6 = endpoint.address }
        destinationPort = endpoint.port
    }
}

extension MPTCPEvent {
    /// The attributes a 6.18 kernel sends for this event. For connection events, SERVER_SIDE
    /// is 1 when `serverSide` is set, and FLAGS is `flags` with the `denyJoinInitialEndpoint`
    /// bit ORed in (omitted when zero); as decoded from a real kernel, that round-trips.
    public var attributes: MPTCPEventAttributes {
        var a = MPTCPEventAttributes()
        switch self {
        case .created(let info), .established(let info):
            a.token = info.token
            if info.serverSide { a.serverSide = 1 }
            let flags =
                info.flags | (info.denyJoinInitialEndpoint ? MPTCPEventFlags.denyJoinInitialEndpoint.rawValue : 0)
            if flags != 0 { a.flags = flags }
            a.setSource(info.local)
            a.setDestination(info.remote)
            a.localID = info.localID
            a.remoteID = info.remoteID
        case .closed(let token):
            a.token = token
        case .announced(let token, let id, let endpoint):
            a.token = token
            a.remoteID = id
            a.setDestination(endpoint)
        case .removed(let token, let id):
            a.token = token
            a.remoteID = id
        case .subflowEstablished(let info), .subflowClosed(let info), .subflowPriority(let info):
            a.token = info.token
            a.setSource(info.local)
            a.setDestination(info.remote)
            a.localID = info.localID
            a.remoteID = info.remoteID
            a.backup = info.backup ? 1 : 0
            a.interface = info.interface
            a.error = info.error
            a.resetReason = info.resetReason
            a.resetFlags = info.resetFlags
        case .listenerCreated(let endpoint), .listenerClosed(let endpoint):
            a.setSource(endpoint)
        case .unknown:
            break
        }
        return a
    }

    /// The raw event type number.
    public var typeNumber: UInt8 {
        if case .unknown(let raw) = self { return raw }
        return type!.rawValue
    }

    /// The message a 6.18 kernel would multicast for this event.
    public func encode(familyID: UInt16, sequence: UInt32 = 0) -> [UInt8] {
        attributes.encode(eventType: typeNumber, familyID: familyID, sequence: sequence)
    }
}
