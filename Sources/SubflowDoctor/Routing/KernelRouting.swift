import MPTCPWire
import SubflowPolicy
import SubflowSystem

/// What the routing checks ask rtnetlink in the namespace doctor is in: the interfaces, the
/// addresses, the routes, and single route lookups (`ip route get`).
final class KernelRouting {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let socket: NetlinkSocket
    private var sequence: UInt32 = 1
    let links: [InterfaceIndex: LinkMessage]
    let addresses: [AddressMessage]

    init() throws(Failure) {
        do { socket = try NetlinkSocket(protocol: NetlinkProtocolNumber.route) } catch {
            throw Failure(description: "cannot open an rtnetlink socket: \(error)")
        }
        var links: [InterfaceIndex: LinkMessage] = [:]
        var addresses: [AddressMessage] = []
        for message in try Self.dump(socket, RouteNetlink.encodeLinkDump(sequence: 1), "interfaces") {
            if case .newLink(let link) = try Self.decoded(message) { links[link.index] = link }
        }
        for message in try Self.dump(socket, RouteNetlink.encodeAddressDump(sequence: 2), "addresses") {
            if case .newAddress(let address) = try Self.decoded(message) { addresses.append(address) }
        }
        self.links = links
        self.addresses = addresses
        sequence = 3
    }

    func name(_ index: InterfaceIndex?) -> String {
        index.flatMap { links[$0]?.name } ?? index.map { "interface \($0)" } ?? "no interface"
    }

    /// Global addresses that can start a subflow: up interface, not loopback, not link-local,
    /// not tentative, DAD-failed or deprecated.
    var usableAddresses: [AddressMessage] {
        let unusable: InterfaceAddressFlags = [.tentative, .dadFailed, .deprecated]
        return addresses.filter { address in
            guard let link = links[address.interface], InterfaceFlags(rawValue: link.flags).contains(.up),
                !InterfaceFlags(rawValue: link.flags).contains(.loopback)
            else { return false }
            return address.scope == 0 && !address.address.isLoopback && !address.address.isLinkLocal
                && address.addressFlags.intersection(unusable).isEmpty
        }
    }

    /// Every route of every table, IPv4 and IPv6.
    func routes() throws(Failure) -> [RouteMessage] {
        var all: [RouteMessage] = []
        for family in [AddressFamily.ipv4, .ipv6] {
            let request = RouteNetlink.encodeRouteDump(family: family, sequence: nextSequence())
            for message in try Self.dump(socket, request, "routes") {
                do {
                    if let route = try RouteMessage.decode(message) { all.append(route) }
                } catch { throw Failure(description: "route dump: \(error)") }
            }
        }
        return all
    }

    /// The kernel's answer to one lookup: the route, or its refusal (ENETUNREACH, EINVAL).
    func lookup(_ question: RouteLookup) throws(Failure) -> Result<RouteMessage, KernelError> {
        let messages: [NetlinkMessage]
        do { messages = try socket.dump(question.encode(sequence: nextSequence())) } catch {
            throw Failure(description: "route lookup: \(error)")
        }
        do {
            for message in messages {
                switch try NetlinkReply.decode(message) {
                case .failure(_, let error): return .failure(error)
                case .data(let data):
                    if let route = try RouteMessage.decode(data) { return .success(route) }
                case .ack, .done: break
                }
            }
        } catch { throw Failure(description: "route lookup answer: \(error)") }
        throw Failure(description: "route lookup: the kernel answered without a route")
    }

    private func nextSequence() -> UInt32 {
        sequence += 1
        return sequence
    }

    private static func dump(
        _ socket: NetlinkSocket, _ request: [UInt8], _ what: String
    ) throws(Failure)
        -> [NetlinkMessage]
    {
        let messages: [NetlinkMessage]
        do { messages = try socket.dump(request) } catch { throw Failure(description: "\(what) dump: \(error)") }
        let checked: Result<[NetlinkMessage], KernelError>
        do { checked = try DiagDump.dataMessages(messages) } catch {
            throw Failure(description: "\(what) dump: \(error)")
        }
        switch checked {
        case .success(let data): return data
        case .failure(let error): throw Failure(description: "\(what) dump refused: \(error)")
        }
    }

    private static func decoded(_ message: NetlinkMessage) throws(Failure) -> RouteNetlinkMessage {
        do { return try RouteNetlinkMessage.decode(message) } catch {
            throw Failure(description: "rtnetlink: \(error)")
        }
    }
}
