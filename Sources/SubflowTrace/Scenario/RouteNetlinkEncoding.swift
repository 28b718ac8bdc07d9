import MPTCPWire
import SubflowPolicy
import SubflowSystem

/// rtnetlink and nlctrl messages as the kernel sends them, for traces built from scenarios.
enum SyntheticMessages {
    /// RTM_NEWLINK / RTM_DELLINK: struct ifinfomsg, IFLA_IFNAME, IFLA_OPERSTATE, IFLA_CARRIER.
    static func link(_ type: UInt16, index: Int32, name: String, up: Bool) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: type, flags: [], sequence: 0)
        let flags: UInt32 = up ? 0x1 | 0x2 | 0x40 | 0x1000 | 0x10000 : 0x2 | 0x1000   // UP BROADCAST RUNNING MULTICAST LOWER_UP
        var header: [UInt8] = [0, 0]
        header.appendLE(UInt16(1))           // ARPHRD_ETHER
        header.appendLE(index)
        header.appendLE(flags)
        header.appendLE(UInt32(0))           // change mask
        b.putExtraHeader(header)
        b.putString(RouteNetlink.LinkAttribute.interfaceName, name)
        b.putU8(RouteNetlink.LinkAttribute.operationalState, up ? 6 : 2)   // IF_OPER_UP / IF_OPER_DOWN
        b.putU8(RouteNetlink.LinkAttribute.carrier, up ? 1 : 0)
        return b.finish()
    }

    /// RTM_NEWADDR / RTM_DELADDR: struct ifaddrmsg, IFA_ADDRESS, IFA_LOCAL (IPv4), IFA_FLAGS.
    static func address(_ type: UInt16, index: Int32, address: IPAddress, prefixLength: UInt8, flags: UInt32) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: type, flags: [], sequence: 0)
        var header: [UInt8] = [UInt8(address.family.rawValue), prefixLength, UInt8(truncatingIfNeeded: flags), 0]
        header.appendLE(UInt32(bitPattern: index))
        b.putExtraHeader(header)
        b.putBytes(RouteNetlink.AddressAttribute.address, address.bytes)
        if address.family == .ipv4 { b.putBytes(RouteNetlink.AddressAttribute.local, address.bytes) }
        b.putU32(RouteNetlink.AddressAttribute.flags, flags)
        return b.finish()
    }

    /// The nlctrl CTRL_CMD_NEWFAMILY reply for `mptcp_pm`, which tells replay the family ID.
    static func mptcpFamily(id: UInt16, eventsGroup: UInt32) -> [UInt8] {
        var b = NetlinkMessageBuilder(type: GenericNetlinkControl.familyID, flags: [], sequence: 1)
        b.putGenericHeader(command: GenericNetlinkControl.newFamilyCommand, version: 2)
        b.putString(2, MPTCPFamily.name)        // CTRL_ATTR_FAMILY_NAME
        b.putU16(1, id)                          // CTRL_ATTR_FAMILY_ID
        b.putU32(3, UInt32(MPTCPFamily.version)) // CTRL_ATTR_VERSION
        b.nested(7) { groups in                  // CTRL_ATTR_MCAST_GROUPS
            groups.nested(1) { group in
                group.putString(1, MPTCPFamily.eventsGroup)   // CTRL_ATTR_MCAST_GRP_NAME
                group.putU32(2, eventsGroup)                   // CTRL_ATTR_MCAST_GRP_ID
            }
        }
        return b.finish()
    }
}
