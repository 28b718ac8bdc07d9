import SubflowPolicy

/// Which addresses and subflows are primary or backup, and where joins go.
extension BackupOnLoss {
    func role(of address: IPAddress) -> InterfaceRole {
        guard let index = host.interface(of: address.plain, context) else { return .other }
        return role(ofInterface: index)
    }

    func role(ofInterface index: InterfaceIndex) -> InterfaceRole {
        guard let name = host.name(of: index, context) else { return .other }
        return settings.role(ofInterfaceNamed: name)
    }

    /// A subflow bound to a device (IF_IDX) plays that device's role; otherwise its local address's.
    func role(of subflow: Subflow) -> InterfaceRole {
        if let index = subflow.interface { return role(ofInterface: index) }
        return role(of: subflow.local.address)
    }

    func isUsable(_ address: IPAddress) -> Bool {
        context.usableAddresses.contains { $0.address == address.plain }
    }

    /// The family new subflows of this connection use (IPv4 for a v4-mapped IPv6 socket).
    func family(of state: ConnectionState) -> AddressFamily { state.remote.address.plain.family }

    /// Usable addresses of `role` in the connection's family, in a stable order.
    func usableAddresses(_ wanted: InterfaceRole, for state: ConnectionState) -> [LocalAddress] {
        let family = family(of: state)
        return context.usableAddresses.filter { $0.family == family && role(ofInterface: $0.interface) == wanted }
    }

    /// Where a new subflow may go: the peer's initial endpoint (client side, unless the peer
    /// denied joins to it: MP_CAPABLE's C flag), then the addresses it announced, same family.
    /// A server never joins the client's initial endpoint: its port is ephemeral.
    func remote(for state: ConnectionState) -> SocketEndpoint? {
        if state.side == .client && !state.denyJoinInitialEndpoint { return state.remote.plain }
        let family = family(of: state)
        return state.announcedByPeer.sorted { $0.key < $1.key }.map(\.value.plain).first { $0.family == family }
    }

    /// Subflows that carry or can carry traffic: not being destroyed, on a usable address.
    func liveSubflows(_ state: ConnectionState, _ record: ConnectionRecord, role wanted: InterfaceRole) -> [Subflow] {
        state.subflows.filter {
            role(of: $0) == wanted && isUsable($0.local.address) && !record.destroying.contains(SubflowKey($0))
        }
    }
}
