import SubflowPolicy
import SubflowSystem

extension MPTCPCommand {
    /// Reads a request back (what a kernel double receives, or a recorded trace holds).
    /// GET_ADDR with `NLM_F_DUMP` is `dumpAddresses`, without it `getAddress`.
    public init(decoding message: NetlinkMessage, familyID: UInt16? = nil) throws(NetlinkDecodeError) {
        let (header, attributes) = try GenericNetlinkHeader.parse(message, familyID: familyID)
        guard let number = MPTCPCommandNumber(rawValue: header.command) else {
            throw NetlinkDecodeError(
                .invalidValue(nil, value: Int64(header.command), reason: "unknown mptcp_pm command"))
        }
        do {
            self = try MPTCPCommand.decode(number, attributes, isDump: message.flags.contains(.dump))
        } catch {
            throw error.within(number.name)
        }
    }

    private static func decode(
        _ number: MPTCPCommandNumber, _ a: NetlinkAttributes, isDump: Bool
    )
        throws(NetlinkDecodeError) -> MPTCPCommand
    {
        let token = try a.u32(MPTCPAttribute.token).map(ConnectionToken.init(rawValue:))
        func requiredToken() throws(NetlinkDecodeError) -> ConnectionToken {
            guard let token else { throw NetlinkDecodeError(.missingAttribute(MPTCPAttribute.token.attributeName)) }
            return token
        }
        func entry(_ attribute: MPTCPAttribute) throws(NetlinkDecodeError) -> AddressEntry? {
            guard let nest = try a.nested(attribute) else { return nil }
            do {
                return try AddressEntry(decoding: nest)
            } catch {
                throw error.within(attribute.attributeName.description)
            }
        }
        func requiredEntry(_ attribute: MPTCPAttribute) throws(NetlinkDecodeError) -> AddressEntry {
            guard let value = try entry(attribute) else {
                throw NetlinkDecodeError(.missingAttribute(attribute.attributeName))
            }
            return value
        }
        switch number {
        case .announce:
            return .announce(token: try requiredToken(), address: try requiredEntry(.address))
        case .remove:
            guard let id = try a.u8(MPTCPAttribute.localID) else {
                throw NetlinkDecodeError(.missingAttribute(MPTCPAttribute.localID.attributeName))
            }
            return .remove(token: try requiredToken(), id: AddressID(id))
        case .subflowCreate:
            return .subflowCreate(
                token: try requiredToken(), local: try requiredEntry(.address),
                remote: try requiredEntry(.addressRemote))
        case .subflowDestroy:
            return .subflowDestroy(
                token: try requiredToken(), local: try requiredEntry(.address),
                remote: try requiredEntry(.addressRemote))
        case .setFlags:
            return .setFlags(token: token, local: try requiredEntry(.address), remote: try entry(.addressRemote))
        case .getAddress:
            if isDump { return .dumpAddresses(token: token) }
            let local = try requiredEntry(.address)
            guard let id = local.id else {
                throw NetlinkDecodeError(.missingAttribute(MPTCPAddressAttribute.id.attributeName))
                    .within(MPTCPAttribute.address.attributeName.description)
            }
            return .getAddress(token: token, id: id)
        case .addAddress:
            return .addEndpoint(try requiredEntry(.address))
        case .deleteAddress:
            return .deleteEndpoint(try requiredEntry(.address))
        case .flushAddresses:
            return .flushEndpoints
        case .setLimits:
            return .setLimits(
                receivedAddAddrs: try a.u32(MPTCPAttribute.receivedAddAddrs),
                subflows: try a.u32(MPTCPAttribute.subflows))
        case .getLimits:
            return .getLimits
        }
    }
}
