import SubflowPolicy
import SubflowSystem

/// Replies of the `mptcp_pm` family that carry data.
public enum MPTCPReply {
    /// One GET_ADDR reply (doit) or one entry of a GET_ADDR dump: an `MPTCP_PM_ATTR_ADDR`
    /// nest filled by `mptcp_nl_fill_addr`. With a token these are the connection's local
    /// addresses: ANNOUNCEd ones carry `signal`, SUBFLOW_CREATE ones `subflow` (the kernel
    /// adds it) plus `backup` when asked.
    public static func address(
        _ message: NetlinkMessage, familyID: UInt16? = nil
    ) throws(NetlinkDecodeError) -> AddressEntry {
        let (_, attributes) = try GenericNetlinkHeader.parse(message, familyID: familyID)
        guard let nest = try attributes.nested(MPTCPAttribute.address) else {
            throw NetlinkDecodeError(
                .missingAttribute(MPTCPAttribute.address.attributeName), context: ["GET_ADDR reply"])
        }
        do {
            return try AddressEntry(decoding: nest)
        } catch {
            throw error.within(MPTCPAttribute.address.attributeName.description).within("GET_ADDR reply")
        }
    }

    /// The GET_LIMITS reply.
    public static func limits(
        _ message: NetlinkMessage, familyID: UInt16? = nil
    ) throws(NetlinkDecodeError) -> MPTCPLimits {
        let (_, attributes) = try GenericNetlinkHeader.parse(message, familyID: familyID)
        do {
            return MPTCPLimits(
                receivedAddAddrs: try attributes.u32(MPTCPAttribute.receivedAddAddrs),
                subflows: try attributes.u32(MPTCPAttribute.subflows))
        } catch {
            throw error.within("GET_LIMITS reply")
        }
    }
}

/// The in-kernel path manager's per-namespace limits (GET_LIMITS / SET_LIMITS).
public struct MPTCPLimits: Sendable, Hashable {
    /// `MPTCP_PM_ATTR_RCV_ADD_ADDRS`: how many ADD_ADDRs a connection accepts.
    public var receivedAddAddrs: UInt32?
    /// `MPTCP_PM_ATTR_SUBFLOWS`: how many extra subflows a connection may have.
    public var subflows: UInt32?

    public init(receivedAddAddrs: UInt32?, subflows: UInt32?) {
        self.receivedAddAddrs = receivedAddAddrs
        self.subflows = subflows
    }
}
