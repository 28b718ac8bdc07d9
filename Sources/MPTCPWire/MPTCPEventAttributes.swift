import SubflowPolicy
import SubflowSystem

/// Every attribute an MPTCP event can carry, each optional, exactly as the kernel sent it
/// (ports converted to host order). Typed `MPTCPEvent`s are built from this; trace tools
/// print it whole, unknown attribute types included.
public struct MPTCPEventAttributes: Sendable, Hashable {
    public var token: ConnectionToken?
    /// FAMILY, raw (`AF_INET` 2, `AF_INET6` 10).
    public var family: UInt16?
    public var localID: AddressID?
    public var remoteID: AddressID?
    public var sourceIPv4: IPAddress?
    public var sourceIPv6: IPAddress?
    public var destinationIPv4: IPAddress?
    public var destinationIPv6: IPAddress?
    /// SPORT, converted from network to host order.
    public var sourcePort: UInt16?
    /// DPORT, converted from network to host order.
    public var destinationPort: UInt16?
    /// BACKUP, raw (0 or 1).
    public var backup: UInt8?
    public var error: UInt8?
    /// FLAGS, raw (`MPTCPEventFlags`).
    public var flags: UInt16?
    public var timeout: UInt32?
    public var interface: InterfaceIndex?
    public var resetReason: UInt32?
    public var resetFlags: UInt32?
    /// SERVER_SIDE, raw.
    public var serverSide: UInt8?
    /// Types of attributes this codec does not know, in wire order.
    public var unknownTypes: [UInt16]

    public init(
        token: ConnectionToken? = nil, family: UInt16? = nil, localID: AddressID? = nil,
        remoteID: AddressID? = nil, sourceIPv4: IPAddress? = nil, sourceIPv6: IPAddress? = nil,
        destinationIPv4: IPAddress? = nil, destinationIPv6: IPAddress? = nil,
        sourcePort: UInt16? = nil, destinationPort: UInt16? = nil, backup: UInt8? = nil,
        error: UInt8? = nil, flags: UInt16? = nil, timeout: UInt32? = nil,
        interface: InterfaceIndex? = nil, resetReason: UInt32? = nil, resetFlags: UInt32? = nil,
        serverSide: UInt8? = nil, unknownTypes: [UInt16] = []
    ) {
        self.token = token
        self.family = family
        self.localID = localID
        self.remoteID = remoteID
        self.sourceIPv4 = sourceIPv4
        self.sourceIPv6 = sourceIPv6
        self.destinationIPv4 = destinationIPv4
        self.destinationIPv6 = destinationIPv6
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.backup = backup
        self.error = error
        self.flags = flags
        self.timeout = timeout
        self.interface = interface
        self.resetReason = resetReason
        self.resetFlags = resetFlags
        self.serverSide = serverSide
        self.unknownTypes = unknownTypes
    }

    /// Reads every known attribute, checking its size; unknown types are listed, not rejected.
    public init(decoding attributes: NetlinkAttributes) throws(NetlinkDecodeError) {
        self.init()
        typealias A = MPTCPEventAttribute
        token = try attributes.u32(A.token).map(ConnectionToken.init(rawValue:))
        family = try attributes.u16(A.family)
        localID = try attributes.u8(A.localID).map(AddressID.init(rawValue:))
        remoteID = try attributes.u8(A.remoteID).map(AddressID.init(rawValue:))
        sourceIPv4 = try attributes.address(A.saddr4, family: .ipv4)
        sourceIPv6 = try attributes.address(A.saddr6, family: .ipv6)
        destinationIPv4 = try attributes.address(A.daddr4, family: .ipv4)
        destinationIPv6 = try attributes.address(A.daddr6, family: .ipv6)
        sourcePort = try attributes.be16(A.sport)
        destinationPort = try attributes.be16(A.dport)
        backup = try attributes.u8(A.backup)
        error = try attributes.u8(A.error)
        flags = try attributes.u16(A.flags)
        timeout = try attributes.u32(A.timeout)
        interface = try attributes.s32(A.interfaceIndex).map(InterfaceIndex.init(rawValue:))
        resetReason = try attributes.u32(A.resetReason)
        resetFlags = try attributes.u32(A.resetFlags)
        serverSide = try attributes.u8(A.serverSide)
        unknownTypes = attributes.map(\.type).filter { MPTCPEventAttribute(rawValue: $0) == nil }
    }

    /// The types present, in the order `encode` writes them for `event`.
    func presentAttributes(orderedFor event: MPTCPEventType?) -> [MPTCPEventAttribute] {
        let present: [MPTCPEventAttribute: Bool] = [
            .token: token != nil, .family: family != nil, .localID: localID != nil,
            .remoteID: remoteID != nil, .saddr4: sourceIPv4 != nil, .saddr6: sourceIPv6 != nil,
            .daddr4: destinationIPv4 != nil, .daddr6: destinationIPv6 != nil,
            .sport: sourcePort != nil, .dport: destinationPort != nil, .backup: backup != nil,
            .error: error != nil, .flags: flags != nil, .timeout: timeout != nil,
            .interfaceIndex: interface != nil, .resetReason: resetReason != nil,
            .resetFlags: resetFlags != nil, .serverSide: serverSide != nil,
        ]
        let order = MPTCPEventAttributes.emissionOrder(event)
        let rest = MPTCPEventAttribute.allCases.filter { !order.contains($0) }
        return (order + rest).filter { present[$0] == true }
    }
}
