import MPTCPWire
import SubflowPolicy
import SubflowSystem

/// What the routing checks (R1, R2, R3) look at: the addresses that can carry a second path
/// and the peers they would talk to.
///
/// Peers: the remote addresses of this namespace's MPTCP connections (sock_diag). With no
/// connection, the destinations the routes themselves name: for each main-table route through
/// a gateway, an address inside its prefix — for the default route, a documentation address
/// (192.0.2.1, 2001:db8::1) that stands for "anywhere the default route leads". Connected
/// routes (the local links) are not peers: a second path to a host on the first path's link
/// is not what multipath is for. Lookups send nothing: they only ask the kernel.
struct RoutingSurvey {
    struct Peer: Hashable {
        var address: IPAddress
        /// Why it is a peer: `MPTCP connection` or `route default via 198.18.1.2`.
        var origin: String
    }

    static let mainTable: UInt32 = 254
    static let unicast: UInt8 = 1
    /// Stands for any destination of an IPv4 / IPv6 default route (RFC 5737, RFC 3849).
    static let anywhereIPv4 = IPAddress("192.0.2.1")!
    static let anywhereIPv6 = IPAddress("2001:db8::1")!

    let routing: KernelRouting
    let routes: [RouteMessage]
    let peers: [Peer]
    /// Usable addresses of families that have them on two interfaces or more: the candidates
    /// for a second path.
    let sources: [AddressMessage]

    /// The namespace's survey, made once for all the routing checks of a visit.
    static func of(_ host: HostView) throws(KernelRouting.Failure) -> RoutingSurvey {
        let made: Result<RoutingSurvey, KernelRouting.Failure> = host.cached("routing-survey") {
            do throws(KernelRouting.Failure) { return .success(try RoutingSurvey()) } catch { return .failure(error) }
        }
        return try made.get()
    }

    init() throws(KernelRouting.Failure) {
        routing = try KernelRouting()
        routes = try routing.routes()
        let usable = routing.usableAddresses
        sources = usable.filter { address in
            Set(usable.filter { $0.address.family == address.address.family }.map(\.interface)).count >= 2
        }
        let connected = try Self.connectionPeers()
        peers =
            connected.isEmpty
            ? Self.routePeers(routes, local: Set(routing.addresses.map(\.address)))
            : Self.onePerPrefix(connected, routes)
    }

    /// One connection peer per main-table prefix, at most `peerLimit`: peers the same route
    /// serves give the same answers, and 10,000 connections must not mean 10,000 lookups.
    private static func onePerPrefix(_ connected: [Peer], _ routes: [RouteMessage]) -> [Peer] {
        var seen: Set<AddressPrefix> = []
        return Array(
            connected.filter { seen.insert(mainPrefix(of: $0.address, in: routes)).inserted }.prefix(peerLimit))
    }

    static let peerLimit = 32

    func prefixes(on interface: InterfaceIndex) -> [AddressPrefix] {
        routing.addresses.filter { $0.interface == interface }.map {
            AddressPrefix(address: $0.address, length: Int($0.prefixLength))
        }
    }

    /// The peers a subflow from `source` would reach through another interface than its own.
    func peersBeyond(_ source: AddressMessage) -> [Peer] {
        let own = prefixes(on: source.interface)
        return peers.filter { peer in
            peer.address.family == source.address.family && !own.contains { $0.contains(peer.address) }
        }
    }

    /// A gateway some route of any table reaches through `interface` (e.g. the second
    /// `default via … dev D metric 200` that DHCP leaves behind).
    func gateway(on interface: InterfaceIndex, family: AddressFamily) -> IPAddress? {
        routes.first { $0.outputInterface == interface && $0.family == family && $0.gateway != nil }?.gateway
    }

    /// The main-table prefix `peer` is routed by (longest match), `default` when none matches.
    func mainPrefix(of peer: IPAddress) -> AddressPrefix { Self.mainPrefix(of: peer, in: routes) }

    static func mainPrefix(of peer: IPAddress, in routes: [RouteMessage]) -> AddressPrefix {
        routes.filter { $0.table == mainTable && $0.family == peer.family && $0.type == unicast }
            .compactMap { route -> AddressPrefix? in
                let prefix = AddressPrefix(
                    address: route.destination ?? (peer.family == .ipv4 ? anywhereIPv4 : anywhereIPv6),
                    length: Int(route.destinationLength))
                return prefix.contains(peer) ? prefix : nil
            }
            .max { $0.length < $1.length } ?? AddressPrefix(address: peer, length: 0)
    }

    /// The table the fix gives `source`: one no route uses yet, from 100 up, one per source
    /// (the same for every finding about that source).
    func table(for source: AddressMessage) -> UInt32 {
        let used = Set(routes.map(\.table))
        let free = (UInt32(100)...).lazy.filter { !used.contains($0) }.prefix(sources.count)
        return Array(free)[sources.firstIndex(of: source) ?? 0]
    }

    /// `ip rule add from B table N; ip route add PREFIX via GW dev D table N`: the fix of R1
    /// and R2, with the gateway a route names on D (none known: the admin must supply it).
    func perSourceFix(_ source: AddressMessage, peer: Peer, host: HostView) -> String {
        let device = routing.name(source.interface)
        let table = table(for: source)
        let via = gateway(on: source.interface, family: source.address.family).map { " via \($0)" }
        let command =
            host.inNamespace("ip rule add from \(source.address) table \(table)") + "; "
            + host.inNamespace(
                "ip route add \(mainPrefix(of: peer.address))\(via ?? " via GATEWAY-ON-\(device)") dev \(device) table \(table)"
            )
        return via == nil ? command + " (no route names a gateway on \(device): use the router of that link)" : command
    }

    private static func connectionPeers() throws(KernelRouting.Failure) -> [Peer] {
        let diag: NetlinkSocket
        do { diag = try NetlinkSocket.sockDiag() } catch {
            throw KernelRouting.Failure(description: "cannot open a sock_diag socket: \(error)")
        }
        var peers: [Peer] = []
        var seen: Set<IPAddress> = []
        for (index, family) in [SockDiag.familyIPv4, SockDiag.familyIPv6].enumerated() {
            // Only the addresses are needed: no extensions, no listeners (cheaper with 10,000).
            let request = InetDiagRequest(
                family: family, protocolNumber: SockDiag.protocolMPTCP, extensions: 0,
                states: InetDiagRequest.allStates & ~TCPState.listen.mask
            ).encode(sequence: UInt32(index + 1))
            let messages: [NetlinkMessage]
            do { messages = try diag.dump(request) } catch {
                throw KernelRouting.Failure(description: "MPTCP socket dump: \(error)")
            }
            guard case .success(let data) = try? DiagDump.dataMessages(messages) else {
                throw KernelRouting.Failure(description: "MPTCP socket dump refused or malformed")
            }
            for message in data {
                guard let socket = try? InetDiagSocket.decode(message), socket.state != .listen else { continue }
                let remote = socket.remote.address
                let address = remote.unmappedIPv4 ?? remote
                if seen.insert(address).inserted { peers.append(Peer(address: address, origin: "MPTCP connection")) }
            }
        }
        return peers
    }

    static func routePeers(_ routes: [RouteMessage], local: Set<IPAddress>) -> [Peer] {
        var peers: [Peer] = []
        for route in routes where route.table == mainTable && route.type == unicast {
            guard let gateway = route.gateway else { continue }
            let address: IPAddress
            if route.destinationLength == 0 {
                address = route.family == .ipv4 ? anywhereIPv4 : anywhereIPv6
            } else if let destination = route.destination {
                address = inside(destination, length: Int(route.destinationLength), avoiding: local)
            } else {
                continue
            }
            let prefix = AddressPrefix(address: route.destination ?? address, length: Int(route.destinationLength))
            if !peers.contains(where: { $0.address == address }) {
                peers.append(Peer(address: address, origin: "route \(prefix) via \(gateway)"))
            }
        }
        return peers
    }

    /// An address inside `destination/length` that is not local: the prefix's first host.
    private static func inside(_ destination: IPAddress, length: Int, avoiding local: Set<IPAddress>) -> IPAddress {
        var bytes = destination.bytes
        guard length < bytes.count * 8 else { return destination }
        for step in UInt8(1)...3 {
            bytes[bytes.count - 1] = (destination.bytes.last ?? 0) | step
            if let candidate = IPAddress(bytes: bytes), !local.contains(candidate) { return candidate }
        }
        return destination
    }
}
