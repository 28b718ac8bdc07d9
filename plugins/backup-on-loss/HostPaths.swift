import SubflowPolicy

/// What the policy remembers about the host's interfaces and addresses beyond the present
/// that `PolicyContext` shows: the interface an address was on after it stopped being usable
/// (the kernel keeps IPv4 addresses on a downed link but the daemon no longer offers them),
/// interface names after removal, and since when each address has been usable — the clock
/// the hold time runs on.
struct HostPaths {
    private var names: [InterfaceIndex: String] = [:]
    private var addressInterface: [IPAddress: InterfaceIndex] = [:]
    private var usableSince: [IPAddress: UInt64] = [:]

    /// Updates the memory with one event, before the policy acts on it.
    mutating func note(_ event: PolicyEvent, now: UInt64) {
        switch event {
        case .interfaceAdded(let interface), .interfaceChanged(let interface), .interfaceRemoved(let interface):
            names[interface.index] = interface.name
        case .localAddressAvailable(let address):
            addressInterface[address.address] = address.interface
            if usableSince[address.address] == nil { usableSince[address.address] = now }
        case .localAddressUnavailable(let address):
            addressInterface[address.address] = address.interface
            usableSince[address.address] = nil
        default:
            break
        }
    }

    /// The interface holding `address` now, or the last one it was seen on.
    func interface(of address: IPAddress, _ context: any PolicyContext) -> InterfaceIndex? {
        context.usableAddresses.first { $0.address == address }?.interface ?? addressInterface[address]
    }

    func name(of index: InterfaceIndex, _ context: any PolicyContext) -> String? {
        context.interfaces.first { $0.index == index }?.name ?? names[index]
    }

    /// Since when `address` has been usable without interruption; an address the policy never
    /// saw become usable (it started later) counts from the first time it asks.
    mutating func usable(since address: IPAddress, now: UInt64) -> UInt64 {
        if let since = usableSince[address] { return since }
        usableSince[address] = now
        return now
    }

    /// Why `address` stopped being usable, in the admin's words, from the interface's state.
    func lossReason(_ address: LocalAddress, _ context: any PolicyContext) -> String {
        let name = self.name(of: address.interface, context) ?? "interface \(address.interface)"
        guard let interface = context.interfaces.first(where: { $0.index == address.interface }) else {
            return "interface \(name) removed"
        }
        if !interface.isUp { return "link \(name) down" }
        if interface.carrier == false || !interface.isRunning { return "carrier lost on \(name)" }
        return "address \(address.address) removed from \(name)"
    }
}
