import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// The numbers subflowd carries must equal the installed uapi headers wherever both define
/// them (the installed 6.1 headers lack the listener events, the SERVER_SIDE event flag and
/// LAMINAR, which are then only checked against the reference values in the code).
@Suite("Numbers vs the installed kernel headers")
struct KernelHeaderTests {
    /// (C name, carried value) pairs.
    static var carried: [(String, Int64)] {
        var pairs: [(String, Int64)] = []
        pairs += MPTCPCommandNumber.allCases.map { ("MPTCP_PM_CMD_\($0.name)", Int64($0.rawValue)) }
        pairs += MPTCPAttribute.allCases.map { ("MPTCP_PM_ATTR_\($0.name.uppercased())", Int64($0.rawValue)) }
        pairs += MPTCPAddressAttribute.allCases.map {
            ("MPTCP_PM_ADDR_ATTR_\($0.name.uppercased())", Int64($0.rawValue))
        }
        pairs += MPTCPEventType.allCases.map { ("MPTCP_EVENT_\($0.name)", Int64($0.rawValue)) }
        pairs += MPTCPEventAttribute.allCases.map { ("MPTCP_ATTR_\($0.name.uppercased())", Int64($0.rawValue)) }
        pairs += MPTCPResetReason.allCases.map { ("MPTCP_RST_\($0.name)", Int64($0.rawValue)) }
        let flags: [(String, AddressFlags)] = [
            ("SIGNAL", .signal), ("SUBFLOW", .subflow), ("BACKUP", .backup),
            ("FULLMESH", .fullmesh), ("IMPLICIT", .implicit), ("LAMINAR", .laminar),
        ]
        pairs += flags.map { ("MPTCP_PM_ADDR_FLAG_\($0.0)", Int64($0.1.rawValue)) }
        pairs += [
            ("MPTCP_PM_VER", Int64(MPTCPFamily.version)),
            ("MPTCP_PM_EV_FLAG_DENY_JOIN_ID0", Int64(MPTCPEventFlags.denyJoinInitialEndpoint.rawValue)),
            ("MPTCP_PM_EV_FLAG_SERVER_SIDE", Int64(MPTCPEventFlags.serverSide.rawValue)),
            ("NLMSG_NOOP", Int64(NetlinkMessageType.noop)),
            ("NLMSG_ERROR", Int64(NetlinkMessageType.error)),
            ("NLMSG_DONE", Int64(NetlinkMessageType.done)),
            ("NLMSG_OVERRUN", Int64(NetlinkMessageType.overrun)),
            ("NLMSG_MIN_TYPE", Int64(NetlinkMessageType.minimumFamilyType)),
            ("NLM_F_REQUEST", Int64(NetlinkMessageFlags.request.rawValue)),
            ("NLM_F_MULTI", Int64(NetlinkMessageFlags.multi.rawValue)),
            ("NLM_F_ACK", Int64(NetlinkMessageFlags.ack.rawValue)),
            ("NLM_F_ECHO", Int64(NetlinkMessageFlags.echo.rawValue)),
            ("NLM_F_DUMP_INTR", Int64(NetlinkMessageFlags.dumpInterrupted.rawValue)),
            ("NLM_F_DUMP_FILTERED", Int64(NetlinkMessageFlags.dumpFiltered.rawValue)),
            ("NLM_F_ROOT", Int64(NetlinkMessageFlags.root.rawValue)),
            ("NLM_F_MATCH", Int64(NetlinkMessageFlags.match.rawValue)),
            ("NLM_F_DUMP", Int64(NetlinkMessageFlags.dump.rawValue)),
            ("NLM_F_CAPPED", Int64(NetlinkMessageFlags.capped.rawValue)),
            ("NLM_F_ACK_TLVS", Int64(NetlinkMessageFlags.ackTLVs.rawValue)),
            ("NLA_F_NESTED", Int64(NetlinkAttributeFlags.nested)),
            ("NLA_F_NET_BYTEORDER", Int64(NetlinkAttributeFlags.networkByteOrder)),
            ("NLA_TYPE_MASK", Int64(NetlinkAttributeFlags.typeMask)),
            ("NLMSGERR_ATTR_MSG", Int64(NetlinkExtendedAckAttribute.message)),
            ("NLMSGERR_ATTR_OFFS", Int64(NetlinkExtendedAckAttribute.offset)),
            ("NLMSGERR_ATTR_COOKIE", Int64(NetlinkExtendedAckAttribute.cookie)),
            ("NLMSGERR_ATTR_POLICY", Int64(NetlinkExtendedAckAttribute.policy)),
            ("NLMSGERR_ATTR_MISS_TYPE", Int64(NetlinkExtendedAckAttribute.missingType)),
            ("NLMSGERR_ATTR_MISS_NEST", Int64(NetlinkExtendedAckAttribute.missingNest)),
            ("NETLINK_ROUTE", Int64(NetlinkProtocolNumber.route)),
            ("NETLINK_GENERIC", Int64(NetlinkProtocolNumber.generic)),
            ("GENL_HDRLEN", 4),
            ("GENL_ID_CTRL", Int64(GenericNetlinkControl.familyID)),
            ("CTRL_CMD_GETFAMILY", Int64(GenericNetlinkControl.getFamilyCommand)),
            ("CTRL_ATTR_FAMILY_ID", Int64(GenericNetlinkControl.Attribute.familyID)),
            ("CTRL_ATTR_FAMILY_NAME", Int64(GenericNetlinkControl.Attribute.familyName)),
            ("CTRL_ATTR_VERSION", Int64(GenericNetlinkControl.Attribute.version)),
            ("CTRL_ATTR_HDRSIZE", Int64(GenericNetlinkControl.Attribute.headerSize)),
            ("CTRL_ATTR_MAXATTR", Int64(GenericNetlinkControl.Attribute.maximumAttribute)),
            ("CTRL_ATTR_OPS", Int64(GenericNetlinkControl.Attribute.operations)),
            ("CTRL_ATTR_MCAST_GROUPS", Int64(GenericNetlinkControl.Attribute.multicastGroups)),
            ("CTRL_ATTR_MCAST_GRP_NAME", Int64(GenericNetlinkControl.MulticastGroupAttribute.name)),
            ("CTRL_ATTR_MCAST_GRP_ID", Int64(GenericNetlinkControl.MulticastGroupAttribute.id)),
            ("RTM_NEWLINK", Int64(RouteNetlink.MessageType.newLink)),
            ("RTM_DELLINK", Int64(RouteNetlink.MessageType.deleteLink)),
            ("RTM_GETLINK", Int64(RouteNetlink.MessageType.getLink)),
            ("RTM_NEWADDR", Int64(RouteNetlink.MessageType.newAddress)),
            ("RTM_DELADDR", Int64(RouteNetlink.MessageType.deleteAddress)),
            ("RTM_GETADDR", Int64(RouteNetlink.MessageType.getAddress)),
            ("RTM_NEWROUTE", Int64(RouteNetlink.MessageType.newRoute)),
            ("RTM_GETROUTE", Int64(RouteNetlink.MessageType.getRoute)),
            ("RTA_DST", Int64(RouteNetlink.RouteAttribute.destination)),
            ("RTA_SRC", Int64(RouteNetlink.RouteAttribute.source)),
            ("RTA_IIF", Int64(RouteNetlink.RouteAttribute.inputInterface)),
            ("RTA_OIF", Int64(RouteNetlink.RouteAttribute.outputInterface)),
            ("RTA_GATEWAY", Int64(RouteNetlink.RouteAttribute.gateway)),
            ("RTA_PREFSRC", Int64(RouteNetlink.RouteAttribute.preferredSource)),
            ("RTA_TABLE", Int64(RouteNetlink.RouteAttribute.table)),
            ("sizeof(struct rtmsg)", Int64(RouteNetlink.routeHeaderLength)),
            ("RTNLGRP_LINK", Int64(RouteNetlink.Group.link)),
            ("RTNLGRP_IPV4_IFADDR", Int64(RouteNetlink.Group.ipv4Address)),
            ("RTNLGRP_IPV6_IFADDR", Int64(RouteNetlink.Group.ipv6Address)),
            ("IFLA_ADDRESS", Int64(RouteNetlink.LinkAttribute.address)),
            ("IFLA_IFNAME", Int64(RouteNetlink.LinkAttribute.interfaceName)),
            ("IFLA_MTU", Int64(RouteNetlink.LinkAttribute.mtu)),
            ("IFLA_OPERSTATE", Int64(RouteNetlink.LinkAttribute.operationalState)),
            ("IFLA_CARRIER", Int64(RouteNetlink.LinkAttribute.carrier)),
            ("IFA_ADDRESS", Int64(RouteNetlink.AddressAttribute.address)),
            ("IFA_LOCAL", Int64(RouteNetlink.AddressAttribute.local)),
            ("IFA_LABEL", Int64(RouteNetlink.AddressAttribute.label)),
            ("IFA_FLAGS", Int64(RouteNetlink.AddressAttribute.flags)),
            ("IFA_F_SECONDARY", Int64(InterfaceAddressFlags.secondary.rawValue)),
            ("IFA_F_NODAD", Int64(InterfaceAddressFlags.noDAD.rawValue)),
            ("IFA_F_DADFAILED", Int64(InterfaceAddressFlags.dadFailed.rawValue)),
            ("IFA_F_DEPRECATED", Int64(InterfaceAddressFlags.deprecated.rawValue)),
            ("IFA_F_TENTATIVE", Int64(InterfaceAddressFlags.tentative.rawValue)),
            ("IFA_F_PERMANENT", Int64(InterfaceAddressFlags.permanent.rawValue)),
            ("AF_INET", Int64(AddressFamily.ipv4.rawValue)),
            ("AF_INET6", Int64(AddressFamily.ipv6.rawValue)),
        ]
        return pairs
    }

    @Test func carriedNumbersMatchTheInstalledHeaders() {
        let installed = InstalledKernelHeaders.integers
        var compared = 0
        for (name, value) in Self.carried {
            guard let header = installed[name] else { continue }
            #expect(header == value, "\(name): header \(header), subflowd \(value)")
            compared += 1
        }
        #expect(compared >= 100, "only \(compared) constants compared")
    }

    /// Every constant read from the headers is either carried by the codec or on this
    /// short list of values the codec does not need: keeps the two tables honest.
    @Test func everyHeaderConstantIsCarried() {
        let carried = Set(Self.carried.map(\.0))
        let notNeeded: Set = [
            "IFF_UP", "IFF_LOOPBACK", "IFF_RUNNING", "IFF_LOWER_UP", "AF_UNSPEC", "AF_NETLINK",
            "SOL_NETLINK", "IPPROTO_MPTCP",
        ]
        for name in InstalledKernelHeaders.integers.keys where !carried.contains(name) {
            #expect(notNeeded.contains(name), "\(name) is in the installed header but not carried")
        }
    }

    @Test func namesCarriedOnlyByTheProject() {
        // What the 6.1 header lacks and the project carries from the 6.18 uapi.
        #expect(MPTCPEventType.listenerCreated.rawValue == 15)
        #expect(MPTCPEventType.listenerClosed.rawValue == 16)
        #expect(MPTCPEventFlags.serverSide.rawValue == 2)
        #expect(AddressFlags.laminar.rawValue == 32)
    }

    @Test func familyAndGroupNames() {
        #expect(InstalledKernelHeaders.strings["MPTCP_PM_NAME"] == MPTCPFamily.name)
        #expect(InstalledKernelHeaders.strings["MPTCP_PM_EV_GRP_NAME"] == MPTCPFamily.eventsGroup)
        #expect(InstalledKernelHeaders.strings["MPTCP_PM_CMD_GRP_NAME"] == MPTCPFamily.commandsGroup)
    }
}
