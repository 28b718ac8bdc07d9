import MPTCPWire
import SubflowPolicy

/// The host's interfaces and addresses as rtnetlink reports them, and the set of local
/// addresses that policies may use right now.
///
/// Usability is recomputed from scratch after every message, so an address stops being
/// usable the moment its link goes down or loses carrier, even though the kernel keeps
/// IPv4 addresses on a down link and sends no RTM_DELADDR for them.
public struct NetworkState {
    public var filter: AddressFilter
    public private(set) var interfaces: [InterfaceIndex: NetworkInterface] = [:]
    /// Every assigned address with its IFA flags, usable or not.
    private var assigned: [LocalAddress: UInt32] = [:]
    public private(set) var usable: Set<LocalAddress> = []

    public init(filter: AddressFilter = AddressFilter()) { self.filter = filter }

    /// Usable addresses in a stable order (by interface index, then address).
    public var usableAddresses: [LocalAddress] { usable.sorted() }
    public var sortedInterfaces: [NetworkInterface] { interfaces.values.sorted { $0.index < $1.index } }

    /// Applies one rtnetlink message and returns the events policies should see, in order:
    /// interface events first, then the addresses that became usable or unusable.
    public mutating func apply(_ message: RouteNetlinkMessage) -> [PolicyEvent] {
        var events: [PolicyEvent] = []
        switch message {
        case .newLink(let link):
            let interface = NetworkInterface(link)
            unconfirmedLinks?.remove(interface.index)
            if let old = interfaces[interface.index] {
                if old != interface { events.append(.interfaceChanged(interface)) }
            } else {
                events.append(.interfaceAdded(interface))
            }
            interfaces[interface.index] = interface
        case .deleteLink(let link):
            if let old = interfaces.removeValue(forKey: InterfaceIndex(link)) {
                events.append(.interfaceRemoved(old))
            }
            for address in assigned.keys where address.interface == InterfaceIndex(link) { assigned[address] = nil }
        case .newAddress(let a):
            assigned[LocalAddress(a)] = a.flags
            unconfirmedAddresses.remove(LocalAddress(a))
        case .deleteAddress(let a):
            assigned[LocalAddress(a)] = nil
        case .other:
            return []
        }
        return events + recomputeUsable()
    }

    /// Links and addresses not yet seen again since `beginResync()`.
    private var unconfirmedLinks: Set<InterfaceIndex>?
    private var unconfirmedAddresses: Set<LocalAddress> = []

    /// After lost rtnetlink notifications the picture may hold links and addresses that are
    /// gone. Call this before re-dumping; every message applied until `endResync()` confirms
    /// what it names.
    public mutating func beginResync() {
        unconfirmedLinks = Set(interfaces.keys)
        unconfirmedAddresses = Set(assigned.keys)
    }

    /// The re-dump is complete: what it did not list is removed, with the usual events.
    public mutating func endResync() -> [PolicyEvent] {
        guard let links = unconfirmedLinks else { return [] }
        unconfirmedLinks = nil
        var events: [PolicyEvent] = []
        for index in links.sorted() {
            if let gone = interfaces.removeValue(forKey: index) { events.append(.interfaceRemoved(gone)) }
            for address in assigned.keys where address.interface == index { assigned[address] = nil }
        }
        for address in unconfirmedAddresses { assigned[address] = nil }
        unconfirmedAddresses = []
        return events + recomputeUsable()
    }

    /// Re-applies a changed filter (configuration reload) and returns the resulting events.
    public mutating func setFilter(_ filter: AddressFilter) -> [PolicyEvent] {
        self.filter = filter
        return recomputeUsable()
    }

    private mutating func recomputeUsable() -> [PolicyEvent] {
        var now = Set<LocalAddress>()
        for (address, flags) in assigned {
            guard let interface = interfaces[address.interface], interface.isUsable,
                filter.admits(address.address, flags: flags, on: interface)
            else { continue }
            now.insert(address)
        }
        let lost = usable.subtracting(now).sorted().map { PolicyEvent.localAddressUnavailable($0) }
        let gained = now.subtracting(usable).sorted().map { PolicyEvent.localAddressAvailable($0) }
        usable = now
        return lost + gained
    }

    /// The interface that holds `address`, if it is assigned locally.
    public func interface(holding address: IPAddress) -> NetworkInterface? {
        guard let entry = assigned.keys.first(where: { $0.address == address }) else { return nil }
        return interfaces[entry.interface]
    }
}

extension NetworkInterface {
    init(_ link: LinkMessage) {
        self.init(index: InterfaceIndex(link), name: link.name, flags: link.flags, carrier: link.carrier)
    }
}

extension LocalAddress {
    init(_ message: AddressMessage) {
        self.init(address: message.address, interface: message.interface, prefixLength: message.prefixLength)
    }
}

extension InterfaceIndex {
    init(_ link: LinkMessage) { self = link.index }
}
