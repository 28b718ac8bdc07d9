import SubflowPolicy
import SubflowSystem

/// A request to the kernel's `mptcp_pm` family: the userspace path-manager commands (which
/// name a connection by token) and the in-kernel PM's endpoint and limit commands.
///
/// Every request asks for an ack (`NLM_F_REQUEST | NLM_F_ACK`): the kernel answers with an
/// `NLMSG_ERROR` whose error is 0 on success, or a negative errno plus, on sockets with
/// `NETLINK_EXT_ACK`, an extended-ack text (decode it with `NetlinkReply`).
public enum MPTCPCommand: Sendable, Hashable {
    /// ANNOUNCE: the peer receives ADD_ADDR for `address` (its ID must not be 0, its flags
    /// must contain `signal`; port 0 means the peer may join the connection's own port).
    /// The kernel does not open a listener for the address. Seen on 6.18: an IPv6 address
    /// *with a port* needs 30 bytes of TCP option space, which does not fit next to TCP
    /// timestamps (12 of the 40 bytes): the command is acked but the ADD_ADDR never leaves.
    case announce(token: ConnectionToken, address: AddressEntry)
    /// REMOVE: the peer receives RM_ADDR for local address `id`. Local subflows on that
    /// address stay open: destroy them with `subflowDestroy`.
    case remove(token: ConnectionToken, id: AddressID)
    /// SUBFLOW_CREATE: send an MP_JOIN SYN from `local` (family and address; optional ID,
    /// BACKUP flag, interface; never `signal`) to `remote` (family, address, port). An ack
    /// means the SYN left; the outcome arrives as SUB_ESTABLISHED or SUB_CLOSED.
    case subflowCreate(token: ConnectionToken, local: AddressEntry, remote: AddressEntry)
    /// SUBFLOW_DESTROY: close the subflow with this 4-tuple (both ports required).
    case subflowDestroy(token: ConnectionToken, local: AddressEntry, remote: AddressEntry)
    /// SET_FLAGS. With a token (userspace PM): set `local`'s backup flag on the subflow to
    /// `remote` (required) and send MP_PRIO. Without: change an in-kernel endpoint's
    /// BACKUP/FULLMESH flags, found by address or, with no address, by ID.
    case setFlags(token: ConnectionToken?, local: AddressEntry, remote: AddressEntry?)
    /// GET_ADDR (doit): one address by ID: a connection's local address with a token, an
    /// in-kernel endpoint without. The reply is one message with an ADDR nest, then the ack.
    case getAddress(token: ConnectionToken?, id: AddressID)
    /// GET_ADDR (dump, `NLM_F_DUMP`): every local address of a connection (with a token) or
    /// every endpoint; one message per entry, then `NLMSG_DONE`.
    case dumpAddresses(token: ConnectionToken?)
    /// ADD_ADDR: add an in-kernel PM endpoint (with a port and `signal`, the kernel also
    /// creates a listener).
    case addEndpoint(AddressEntry)
    /// DEL_ADDR: delete an in-kernel PM endpoint by ID (ID 0: by address); its connections
    /// get RM_ADDR and lose the subflows using it.
    case deleteEndpoint(AddressEntry)
    /// FLUSH_ADDRS: delete every in-kernel PM endpoint.
    case flushEndpoints
    /// SET_LIMITS: in-kernel PM limits (each at most 8; nil leaves it unchanged).
    case setLimits(receivedAddAddrs: UInt32?, subflows: UInt32?)
    /// GET_LIMITS: the reply carries RCV_ADD_ADDRS and SUBFLOWS (see `MPTCPLimits`).
    case getLimits

    /// The `genlmsghdr.cmd` this request carries.
    public var number: MPTCPCommandNumber {
        switch self {
        case .announce: .announce
        case .remove: .remove
        case .subflowCreate: .subflowCreate
        case .subflowDestroy: .subflowDestroy
        case .setFlags: .setFlags
        case .getAddress, .dumpAddresses: .getAddress
        case .addEndpoint: .addAddress
        case .deleteEndpoint: .deleteAddress
        case .flushEndpoints: .flushAddresses
        case .setLimits: .setLimits
        case .getLimits: .getLimits
        }
    }

    /// The connection the command is about, for userspace-PM commands.
    public var token: ConnectionToken? {
        switch self {
        case .announce(let t, _), .remove(let t, _), .subflowCreate(let t, _, _), .subflowDestroy(let t, _, _):
            t
        case .setFlags(let t, _, _), .getAddress(let t, _), .dumpAddresses(let t):
            t
        case .addEndpoint, .deleteEndpoint, .flushEndpoints, .setLimits, .getLimits:
            nil
        }
    }

    /// `NLM_F_REQUEST | NLM_F_ACK`, plus `NLM_F_DUMP` for `dumpAddresses`.
    public var messageFlags: NetlinkMessageFlags {
        if case .dumpAddresses = self { return [.request, .ack, .dump] }
        return [.request, .ack]
    }

    /// The request's bytes: `nlmsghdr` (type `familyID`, `messageFlags`, `sequence`, port ID 0)
    /// + `genlmsghdr` (cmd, version 1) + attributes. TOKEN comes first, then the nests.
    public func encode(familyID: UInt16, sequence: UInt32) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: familyID, flags: messageFlags, sequence: sequence)
        b.putGenericHeader(command: number.rawValue, version: MPTCPFamily.version)
        if let token { b.putU32(MPTCPAttribute.token.rawValue, token.rawValue) }
        switch self {
        case .announce(_, let address):
            address.encode(into: &b, as: .address)
        case .remove(_, let id):
            b.putU8(MPTCPAttribute.localID.rawValue, id.rawValue)
        case .subflowCreate(_, let local, let remote), .subflowDestroy(_, let local, let remote):
            local.encode(into: &b, as: .address)
            remote.encode(into: &b, as: .addressRemote)
        case .setFlags(_, let local, let remote):
            local.encode(into: &b, as: .address)
            remote?.encode(into: &b, as: .addressRemote)
        case .getAddress(_, let id):
            b.nested(MPTCPAttribute.address.rawValue) { $0.putU8(MPTCPAddressAttribute.id.rawValue, id.rawValue) }
        case .dumpAddresses, .flushEndpoints, .getLimits:
            break
        case .addEndpoint(let entry), .deleteEndpoint(let entry):
            entry.encode(into: &b, as: .address)
        case .setLimits(let received, let subflows):
            if let received { b.putU32(MPTCPAttribute.receivedAddAddrs.rawValue, received) }
            if let subflows { b.putU32(MPTCPAttribute.subflows.rawValue, subflows) }
        }
        return b.finish()
    }
}
