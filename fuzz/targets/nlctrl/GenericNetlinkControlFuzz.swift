import FuzzSupport
import MPTCPWire
import SubflowSystem

/// nlctrl's CTRL_CMD_NEWFAMILY reply (how subflowd learns the mptcp_pm family and group IDs):
/// decode, then re-encode the family as the kernel does and check it decodes the same.
@main
enum GenericNetlinkControlFuzz {
    static func main() {
        FuzzDriver.run { bytes in
            for message in FuzzNetlink.messages(bytes) {
                guard let family = try? GenericNetlinkControl.decodeFamily(message) else { continue }
                let decoded = FuzzNetlink.expectOne(encode(family)) { m throws(NetlinkDecodeError) in
                    try GenericNetlinkControl.decodeFamily(m)
                }
                fuzzCheck(decoded == family, "family does not round-trip: \(family) became \(decoded)")
            }
        }
    }

    static func encode(_ family: GenericFamily) -> [UInt8] {
        typealias A = GenericNetlinkControl.Attribute
        typealias G = GenericNetlinkControl.MulticastGroupAttribute
        var b = NetlinkMessageBuilder(type: GenericNetlinkControl.familyID, flags: [], sequence: 1)
        b.putGenericHeader(command: GenericNetlinkControl.newFamilyCommand, version: 2)
        b.putString(A.familyName, family.name)
        b.putU16(A.familyID, family.id)
        b.putU32(A.version, family.version)
        b.nested(A.multicastGroups) { groups in
            for (index, group) in family.multicastGroups.sorted(by: { $0.key < $1.key }).enumerated() {
                groups.nested(UInt16(truncatingIfNeeded: index + 1)) { entry in
                    entry.putString(G.name, group.key)
                    entry.putU32(G.id, group.value)
                }
            }
        }
        return b.finish()
    }
}
