import SubflowPolicy
import SubflowSystem

/// rtnetlink and nlctrl messages as the kernel sends them: what traces built from scenarios
/// carry, so that replay decodes them with the same decoder as live traffic.
public enum KernelMessageEncoding {
    /// RTM_NEWLINK / RTM_DELLINK: `struct ifinfomsg`, IFLA_IFNAME, IFLA_OPERSTATE, IFLA_CARRIER,
    /// for an Ethernet link that is up (UP, RUNNING, LOWER_UP) or down.
    public static func link(_ type: UInt16, index: Int32, name: String, up: Bool) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: type, flags: [], sequence: 0)
        let always: InterfaceFlags = [.broadcast, .multicast]
        let flags: InterfaceFlags = up ? always.union([.up, .running, .lowerUp]) : always
        // struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; }
        var header: [UInt8] = [0, 0]
        HostByteOrder.append(HardwareType.ether, to: &header)
        HostByteOrder.append(index, to: &header)
        HostByteOrder.append(flags.rawValue, to: &header)
        HostByteOrder.append(UInt32(0), to: &header)  // change mask
        b.putExtraHeader(header)
        b.putString(RouteNetlink.LinkAttribute.interfaceName, name)
        b.putU8(RouteNetlink.LinkAttribute.operationalState, up ? OperationalState.up : OperationalState.down)
        b.putU8(RouteNetlink.LinkAttribute.carrier, up ? 1 : 0)
        return b.finish()
    }

    /// RTM_NEWADDR / RTM_DELADDR: `struct ifaddrmsg`, IFA_ADDRESS, IFA_LOCAL (IPv4), IFA_FLAGS.
    public static func address(
        _ type: UInt16, index: Int32, address: IPAddress, prefixLength: UInt8,
        flags: InterfaceAddressFlags
    ) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: type, flags: [], sequence: 0)
        // struct ifaddrmsg { u8 family; u8 prefixlen; u8 flags; u8 scope; u32 index; }
        var header: [UInt8] = [
            UInt8(address.family.rawValue), prefixLength, UInt8(truncatingIfNeeded: flags.rawValue), 0,
        ]
        HostByteOrder.append(UInt32(bitPattern: index), to: &header)
        b.putExtraHeader(header)
        b.putBytes(RouteNetlink.AddressAttribute.address, address.bytes)
        if address.family == .ipv4 { b.putBytes(RouteNetlink.AddressAttribute.local, address.bytes) }
        b.putU32(RouteNetlink.AddressAttribute.flags, flags.rawValue)
        return b.finish()
    }

    /// The nlctrl CTRL_CMD_NEWFAMILY reply for `mptcp_pm`, which tells replay the family ID.
    public static func mptcpFamily(id: UInt16, eventsGroup: UInt32) -> [UInt8] {
        typealias A = GenericNetlinkControl.Attribute
        typealias G = GenericNetlinkControl.MulticastGroupAttribute
        var b = NetlinkMessageBuilder(type: GenericNetlinkControl.familyID, flags: [], sequence: 1)
        b.putGenericHeader(command: GenericNetlinkControl.newFamilyCommand, version: GenericNetlinkControl.replyVersion)
        b.putString(A.familyName, MPTCPFamily.name)
        b.putU16(A.familyID, id)
        b.putU32(A.version, UInt32(MPTCPFamily.version))
        b.nested(A.multicastGroups) { groups in
            // The groups nest holds one nest per group, numbered from 1.
            groups.nested(1) { group in
                group.putString(G.name, MPTCPFamily.eventsGroup)
                group.putU32(G.id, eventsGroup)
            }
        }
        return b.finish()
    }
}
