import SubflowPolicy
import SubflowSystem

/// One address nest (`MPTCP_PM_ATTR_ADDR`, `MPTCP_PM_ATTR_ADDR_REMOTE`,
/// `MPTCP_PM_ENDPOINT_ADDR`): what the kernel calls a `mptcp_pm_addr_entry`.
///
/// Encoding rules (see `encode(into:as:)`): FAMILY and ADDR4/ADDR6 only when `address` is
/// set (the kernel rejects a FAMILY without address data); ID only when set; PORT only when
/// non-zero, in host order; FLAGS always; IF_IDX only when set.
public struct AddressEntry: Sendable, Hashable, CustomStringConvertible {
    /// FAMILY, and which of ADDR4/ADDR6 is sent. An IPv4 `address` with family `.ipv6` is
    /// sent as its v4-mapped IPv6 form (`::ffff:a.b.c.d`); a v4-mapped IPv6 `address` with
    /// family `.ipv4` as plain IPv4.
    public var family: AddressFamily
    public var address: IPAddress?
    public var id: AddressID?
    /// Host order. 0 means "no port" and is not encoded.
    public var port: UInt16
    public var flags: AddressFlags
    public var interface: InterfaceIndex?

    public init(
        family: AddressFamily, address: IPAddress?, id: AddressID? = nil, port: UInt16 = 0,
        flags: AddressFlags = [], interface: InterfaceIndex? = nil
    ) {
        self.family = family
        self.address = address
        self.id = id
        self.port = port
        self.flags = flags
        self.interface = interface
    }

    /// An entry for `address`, with its family.
    public init(
        _ address: IPAddress, id: AddressID? = nil, port: UInt16 = 0, flags: AddressFlags = [],
        interface: InterfaceIndex? = nil
    ) {
        self.init(family: address.family, address: address, id: id, port: port, flags: flags, interface: interface)
    }

    /// An entry that names an address by ID only (GET_ADDR, DEL_ADDR, SET_FLAGS by id).
    public init(id: AddressID) {
        self.init(family: .ipv4, address: nil, id: id)
    }

    /// The endpoint (address and port), when an address is set.
    public var endpoint: SocketEndpoint? { address.map { SocketEndpoint($0, port: port) } }

    /// The address in the form `family` asks for: mapped into IPv6 or out of it as needed.
    var wireAddress: IPAddress? {
        guard let address else { return nil }
        switch (family, address) {
        case (.ipv6, .v4(let v4)):
            return .v6(0, 0xffff_0000_0000 | UInt64(v4))
        case (.ipv4, .v6):
            return address.unmappedIPv4 ?? address
        default:
            return address
        }
    }

    /// Appends this entry as a nest of `type` (with NLA_F_NESTED).
    public func encode(into builder: inout NetlinkMessageBuilder, as type: MPTCPAttribute) {
        builder.nested(type.rawValue) { nest in
            if let address = wireAddress {
                nest.putU16(MPTCPAddressAttribute.family.rawValue, address.family.rawValue)
            }
            if let id { nest.putU8(MPTCPAddressAttribute.id.rawValue, id.rawValue) }
            if let address = wireAddress {
                switch address {
                case .v4: nest.putBytes(MPTCPAddressAttribute.addr4.rawValue, address.bytes)
                case .v6: nest.putBytes(MPTCPAddressAttribute.addr6.rawValue, address.bytes)
                }
            }
            if port != 0 { nest.putU16(MPTCPAddressAttribute.port.rawValue, port) }
            nest.putU32(MPTCPAddressAttribute.flags.rawValue, flags.rawValue)
            if let interface { nest.putS32(MPTCPAddressAttribute.interfaceIndex.rawValue, interface.rawValue) }
        }
    }

    /// Reads an address nest as the kernel fills it (`mptcp_nl_fill_addr`; 6.18 sends FAMILY,
    /// PORT even when 0, ID, FLAGS, IF_IDX when set, then ADDR4/ADDR6). FAMILY may be absent when an
    /// address attribute says which family it is; a nest with neither (an ID-only request)
    /// gives `address` nil and family `.ipv4`, like `init(id:)`.
    public init(decoding nest: NetlinkAttributes) throws(NetlinkDecodeError) {
        let family: AddressFamily
        if let raw = try nest.u16(MPTCPAddressAttribute.family) {
            family = try addressFamily(raw, attribute: MPTCPAddressAttribute.family.attributeName)
        } else if nest.contains(type: MPTCPAddressAttribute.addr6.rawValue) {
            family = .ipv6
        } else if nest.contains(type: MPTCPAddressAttribute.addr4.rawValue) {
            family = .ipv4
        } else {
            // No address at all: an entry named by ID only (what `init(id:)` builds).
            family = .ipv4
        }
        let address: IPAddress?
        switch family {
        case .ipv4: address = try nest.address(MPTCPAddressAttribute.addr4, family: .ipv4)
        case .ipv6: address = try nest.address(MPTCPAddressAttribute.addr6, family: .ipv6)
        }
        // Without an address the family means nothing (it is never encoded): decode it as
        // `init(id:)` builds such an entry, so that equal entries compare equal.
        self.init(
            family: address == nil ? .ipv4 : family, address: address,
            id: try nest.u8(MPTCPAddressAttribute.id).map(AddressID.init(rawValue:)),
            port: try nest.u16(MPTCPAddressAttribute.port) ?? 0,
            flags: AddressFlags(rawValue: try nest.u32(MPTCPAddressAttribute.flags) ?? 0),
            interface: try nest.s32(MPTCPAddressAttribute.interfaceIndex).map(InterfaceIndex.init(rawValue:)))
    }

    /// `id 5 198.18.1.1 port 8080 flags signal dev 3`, in `pm_nl_ctl dump` order.
    public var description: String {
        var parts: [String] = []
        if let id { parts.append("id \(id)") }
        if let address = wireAddress { parts.append(address.description) }
        if port != 0 { parts.append("port \(port)") }
        parts.append("flags \(flags)")
        if let interface { parts.append("dev \(interface)") }
        return parts.joined(separator: " ")
    }
}
