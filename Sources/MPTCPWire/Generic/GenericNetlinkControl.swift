import SubflowSystem

extension GenericNetlinkControl {
    /// CTRL_CMD_GETFAMILY for `name` (genl version 1). The kernel answers with one
    /// CTRL_CMD_NEWFAMILY message, or `NLMSG_ERROR` ENOENT for an unknown family. With the
    /// default flags (`NLM_F_REQUEST` alone) no ack follows a successful reply.
    public static func encodeGetFamily(
        name: String, sequence: UInt32,
        flags: NetlinkMessageFlags = [.request]
    ) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: familyID, flags: flags, sequence: sequence)
        b.putGenericHeader(command: getFamilyCommand, version: 1)
        b.putString(Attribute.familyName, name)
        return b.finish()
    }

    /// Reads a CTRL_CMD_NEWFAMILY reply.
    public static func decodeFamily(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> GenericFamily {
        let (_, a) = try GenericNetlinkHeader.parse(message, familyID: familyID)
        do {
            return try GenericFamily(a)
        } catch {
            throw error.within("CTRL_CMD_NEWFAMILY")
        }
    }
}

/// A generic netlink family as the controller describes it.
public struct GenericFamily: Sendable, Hashable {
    /// `CTRL_ATTR_FAMILY_NAME`.
    public var name: String
    /// `CTRL_ATTR_FAMILY_ID`: the `nlmsg_type` of the family's messages.
    public var id: UInt16
    /// `CTRL_ATTR_VERSION`.
    public var version: UInt32
    /// Group name to group ID (`NETLINK_ADD_MEMBERSHIP` takes the ID).
    public var multicastGroups: [String: UInt32]

    public init(name: String, id: UInt16, version: UInt32, multicastGroups: [String: UInt32]) {
        self.name = name
        self.id = id
        self.version = version
        self.multicastGroups = multicastGroups
    }

    init(_ a: NetlinkAttributes) throws(NetlinkDecodeError) {
        typealias A = GenericNetlinkControl.Attribute
        typealias G = GenericNetlinkControl.MulticastGroupAttribute
        guard let id = try a.u16(A.familyID, name: "family_id") else {
            throw NetlinkDecodeError(.missingAttribute(NetlinkAttributeName(A.familyID, "family_id")))
        }
        var groups: [String: UInt32] = [:]
        if let list = try a.nested(A.multicastGroups, name: "mcast_groups") {
            for entry in list {
                let group = try entry.nested(name: "mcast group")
                guard let name = try group.string(G.name, name: "mcast_grp_name"),
                    let groupID = try group.u32(G.id, name: "mcast_grp_id")
                else {
                    throw NetlinkDecodeError(
                        .missingAttribute(NetlinkAttributeName(G.name, "mcast_grp_name")),
                        context: ["attribute \(A.multicastGroups) (mcast_groups)"])
                }
                groups[name] = groupID
            }
        }
        self.init(
            name: try a.string(A.familyName, name: "family_name") ?? "",
            id: id, version: try a.u32(A.version, name: "version") ?? 0, multicastGroups: groups)
    }
}
