import SubflowPolicy
import SubflowSystem

/// The `genlmsghdr` at the start of a generic netlink message's payload.
public struct GenericNetlinkHeader: Sendable, Hashable {
    /// `cmd`: the command, or for multicast messages the event type.
    public var command: UInt8
    /// `version`: the family's version (the kernel fills in its own, 1 for `mptcp_pm`).
    public var version: UInt8

    public init(command: UInt8, version: UInt8) {
        self.command = command
        self.version = version
    }

    /// Splits a generic netlink message into its header and its attributes. The message type
    /// must be a family ID (>= 0x10, not a control message) and, when `familyID` is given,
    /// equal to it.
    public static func parse(
        _ message: NetlinkMessage, familyID: UInt16? = nil
    )
        throws(NetlinkDecodeError) -> (header: GenericNetlinkHeader, attributes: NetlinkAttributes)
    {
        guard message.type >= NetlinkMessageType.minimumFamilyType else {
            throw NetlinkDecodeError(.unexpectedMessageType(message.type, expected: "a generic netlink family message"))
        }
        if let familyID, message.type != familyID {
            throw NetlinkDecodeError(.unexpectedMessageType(message.type, expected: "family \(familyID)"))
        }
        let payload = message.payload
        guard payload.count >= 4 else {
            throw NetlinkDecodeError(
                .truncatedHeader(what: "generic netlink header", needed: 4, available: payload.count))
        }
        let header = GenericNetlinkHeader(
            command: payload[payload.startIndex], version: payload[payload.startIndex + 1])
        return (header, try NetlinkAttributes(parsing: payload.dropFirst(4)))
    }
}

/// Decodes messages of the `mptcp_pm_events` multicast group.
public enum MPTCPEventDecoder {
    /// The event type number and every attribute, without per-event checks: what a trace
    /// printer shows. Throws only for malformed bytes.
    public static func decodeAttributes(
        _ message: NetlinkMessage, familyID: UInt16? = nil
    )
        throws(NetlinkDecodeError) -> (type: UInt8, attributes: MPTCPEventAttributes)
    {
        let (header, attributes) = try GenericNetlinkHeader.parse(message, familyID: familyID)
        let name = MPTCPEventType(rawValue: header.command)?.name ?? "event \(header.command)"
        do {
            return (header.command, try MPTCPEventAttributes(decoding: attributes))
        } catch {
            throw error.within(name)
        }
    }

    /// Decodes and checks one event. The genl header must be present (and the message of
    /// family `familyID` when given); unknown attributes are ignored; an unknown event type
    /// gives `.unknown`; a missing required attribute or a wrong-sized one throws, naming the
    /// event and the attribute ("SUB_ESTABLISHED: missing attribute token (1)").
    public static func decode(
        _ message: NetlinkMessage, familyID: UInt16? = nil
    ) throws(NetlinkDecodeError) -> MPTCPEvent {
        let (raw, attributes) = try decodeAttributes(message, familyID: familyID)
        guard let type = MPTCPEventType(rawValue: raw) else { return .unknown(type: raw) }
        do {
            return try MPTCPEvent(type: type, attributes: attributes)
        } catch {
            throw error.within(type.name)
        }
    }
}

extension MPTCPEvent {
    /// Builds the typed event from its attributes, requiring what the kernel always sends.
    public init(type: MPTCPEventType, attributes a: MPTCPEventAttributes) throws(NetlinkDecodeError) {
        switch type {
        case .created:
            self = .created(try ConnectionEventInfo(a))
        case .established:
            self = .established(try ConnectionEventInfo(a))
        case .closed:
            self = .closed(try required(a.token, .token))
        case .announced:
            self = .announced(
                token: try required(a.token, .token), id: try required(a.remoteID, .remoteID),
                endpoint: try a.endpoint(.destination, port: .dport))
        case .removed:
            self = .removed(token: try required(a.token, .token), id: try required(a.remoteID, .remoteID))
        case .subflowEstablished:
            self = .subflowEstablished(try SubflowEventInfo(a))
        case .subflowClosed:
            self = .subflowClosed(try SubflowEventInfo(a))
        case .subflowPriority:
            self = .subflowPriority(try SubflowEventInfo(a))
        case .listenerCreated:
            self = .listenerCreated(try a.endpoint(.source, port: .sport))
        case .listenerClosed:
            self = .listenerClosed(try a.endpoint(.source, port: .sport))
        }
    }
}

private func required<T>(_ value: T?, _ attribute: MPTCPEventAttribute) throws(NetlinkDecodeError) -> T {
    guard let value else { throw NetlinkDecodeError(.missingAttribute(attribute.attributeName)) }
    return value
}

extension MPTCPEventAttributes {
    enum Side { case source, destination }

    /// SADDR4/6 (or DADDR4/6) chosen by FAMILY; without FAMILY (ANNOUNCED has none) by
    /// whichever of the two is present.
    func address(_ side: Side) throws(NetlinkDecodeError) -> IPAddress {
        let (v4, v6): (IPAddress?, IPAddress?) =
            side == .source ? (sourceIPv4, sourceIPv6) : (destinationIPv4, destinationIPv6)
        let (a4, a6): (MPTCPEventAttribute, MPTCPEventAttribute) =
            side == .source ? (.saddr4, .saddr6) : (.daddr4, .daddr6)
        if let family {
            switch try addressFamily(family, attribute: MPTCPEventAttribute.family.attributeName) {
            case .ipv4: return try required(v4, a4)
            case .ipv6: return try required(v6, a6)
            }
        }
        return try required(v4 ?? v6, a4)
    }

    func endpoint(_ side: Side, port: MPTCPEventAttribute) throws(NetlinkDecodeError) -> SocketEndpoint {
        let value = port == .sport ? sourcePort : destinationPort
        return SocketEndpoint(try address(side), port: try required(value, port))
    }

    /// Both ends of a connection or subflow. The kernel sends one FAMILY for both; without it
    /// the two addresses could be of two families, which no socket has (and which the encoder,
    /// writing one FAMILY, could not give back): refused.
    func endpoints() throws(NetlinkDecodeError) -> (local: SocketEndpoint, remote: SocketEndpoint) {
        let local = try endpoint(.source, port: .sport), remote = try endpoint(.destination, port: .dport)
        guard local.family == remote.family else {
            throw NetlinkDecodeError(
                .invalidValue(
                    MPTCPEventAttribute.family.attributeName, value: Int64(remote.family.rawValue),
                    reason: "source and destination addresses are of different families"))
        }
        return (local, remote)
    }
}

extension ConnectionEventInfo {
    init(_ a: MPTCPEventAttributes) throws(NetlinkDecodeError) {
        let flags = a.flags ?? 0
        let eventFlags = MPTCPEventFlags(rawValue: flags)
        let (local, remote) = try a.endpoints()
        self.init(
            token: try required(a.token, .token),
            local: local, remote: remote,
            localID: try required(a.localID, .localID),
            remoteID: try required(a.remoteID, .remoteID),
            serverSide: a.serverSide == 1 || eventFlags.contains(.serverSide),
            denyJoinInitialEndpoint: eventFlags.contains(.denyJoinInitialEndpoint),
            flags: flags)
    }
}

extension SubflowEventInfo {
    init(_ a: MPTCPEventAttributes) throws(NetlinkDecodeError) {
        let (local, remote) = try a.endpoints()
        self.init(
            token: try required(a.token, .token),
            local: local, remote: remote,
            localID: try required(a.localID, .localID),
            remoteID: try required(a.remoteID, .remoteID),
            backup: try required(a.backup, .backup) != 0,
            interface: a.interface, error: a.error,
            resetReason: a.resetReason, resetFlags: a.resetFlags)
    }
}
