import SubflowPolicy

/// Which local address signal-per-interface announces on each interface, for one connection.
enum AnnouncementChoice {
    /// The family the peer can join: the initial subflow's. A v4-mapped IPv6 connection (an
    /// IPv4 peer reaching a dual-stack socket) is IPv4 on the wire, so it counts as IPv4.
    static func family(of state: ConnectionState) -> AddressFamily {
        state.local.address.unmappedIPv4 != nil ? .ipv4 : state.family
    }

    /// The connection's initial local address, v4-mapped addresses unmapped.
    static func initialAddress(of state: ConnectionState) -> IPAddress {
        state.local.address.unmappedIPv4 ?? state.local.address
    }

    /// One address per interface that has a usable address of `family`, except the interface
    /// of the initial subflow (and never the initial address itself):
    /// - the address already chosen there (`current`) while it stays usable — a new address
    ///   on the interface does not replace an announcement the peer may be using;
    /// - otherwise the numerically lowest usable address of that family on the interface.
    static func choose(
        usable: [LocalAddress], family: AddressFamily, initialInterface: InterfaceIndex?,
        initialAddress: IPAddress, current: [InterfaceIndex: IPAddress]
    ) -> [InterfaceIndex: IPAddress] {
        var byInterface: [InterfaceIndex: [IPAddress]] = [:]
        for local in usable
        where local.family == family && local.address != initialAddress && local.interface != initialInterface {
            byInterface[local.interface, default: []].append(local.address)
        }
        var chosen: [InterfaceIndex: IPAddress] = [:]
        for (interface, addresses) in byInterface {
            if let kept = current[interface], addresses.contains(kept) {
                chosen[interface] = kept
            } else {
                chosen[interface] = addresses.min()
            }
        }
        return chosen
    }
}
