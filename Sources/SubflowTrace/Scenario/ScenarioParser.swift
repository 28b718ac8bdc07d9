import MPTCPWire
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// The statements of the scenario language, each turned into the netlink messages the kernel
/// would have sent.
struct ScenarioParser {
    private var interfaces: [String: Int32] = [:]
    private var connections: [UInt32: ConnectionEventInfo] = [:]

    /// The latest time a statement may have: about 11.6 days. Keeps every timestamp of a built
    /// trace exact in pcap's 32-bit seconds, and `at 1e20` or `at inf` an error, not a trap.
    static let maximumSeconds: Double = 1_000_000

    /// `1.5` or `1.5s` as milliseconds; nil for anything else, negative or beyond `maximumSeconds`.
    static func milliseconds(_ text: String) -> UInt64? {
        guard let seconds = Double(text.hasSuffix("s") ? String(text.dropLast()) : text),
            seconds >= 0, seconds <= maximumSeconds
        else { return nil }
        return UInt64((seconds * 1000).rounded())
    }

    mutating func messages(_ w: [String], line: Int) throws(ScenarioError) -> [(UInt16, [UInt8])] {
        func fail(_ problem: String) -> ScenarioError { ScenarioError(line: line, problem) }
        func quoted(_ text: some StringProtocol) -> String { "'\(excerpt: text)'" }
        func event(_ e: MPTCPEvent) -> (UInt16, [UInt8]) {
            (TraceRecord.generic, e.encode(familyID: Scenario.familyID))
        }
        func token(_ text: String) throws(ScenarioError) -> ConnectionToken {
            guard let t = UInt32(text) else {
                throw fail("\(quoted(text)) is not a connection token (a number from 0 to \(UInt32.max))")
            }
            return ConnectionToken(t)
        }
        func endpoint(_ text: String) throws(ScenarioError) -> SocketEndpoint {
            guard let e = ScenarioParser.endpoint(text) else {
                throw fail("\(quoted(text)) is not ADDRESS:PORT (IPv6: [ADDRESS]:PORT)")
            }
            return e
        }
        /// LOCAL -> REMOTE of one socket: one family, as the kernel reports them.
        func endpoints(_ local: String, _ remote: String) throws(ScenarioError) -> (SocketEndpoint, SocketEndpoint) {
            let (l, r) = (try endpoint(local), try endpoint(remote))
            guard l.family == r.family else {
                throw fail(
                    "\(quoted(local)) -> \(quoted(remote)): both ends of a socket have one family (an IPv4 peer of an IPv6 socket is [::ffff:a.b.c.d]:PORT)"
                )
            }
            return (l, r)
        }
        func interface(_ name: String) throws(ScenarioError) -> Int32 {
            guard let index = interfaces[name] else {
                throw fail("unknown interface \(quoted(name)): declare it first with 'link NAME index N up'")
            }
            return index
        }
        func option(_ name: String) -> String? { w.firstIndex(of: name).flatMap { $0 + 1 < w.count ? w[$0 + 1] : nil } }
        /// `name N` where N must fit `T`: nil when the option is absent, an error when its value is
        /// missing or does not fit (never a silent default).
        func numberOption<T: FixedWidthInteger>(_ name: String, _ type: T.Type) throws(ScenarioError) -> T? {
            guard let at = w.firstIndex(of: name) else { return nil }
            guard at + 1 < w.count else { throw fail("\(name) needs a value, e.g. '\(name) 1'") }
            guard let value = T(w[at + 1]) else {
                throw fail("\(name) \(quoted(w[at + 1])): expected a number from \(T.min) to \(T.max)")
            }
            return value
        }

        switch (w.first ?? "", w.count > 1 ? w[1] : "") {
        case ("idle", _):
            // Nothing happens: only the clock moves (lets timers such as retries fire).
            var noop = [UInt8](repeating: 0, count: 16)
            noop[0] = 16; noop[4] = 1  // nlmsg_len 16, NLMSG_NOOP
            return [(TraceRecord.route, noop)]
        case ("link", _):
            // link NAME [index N] up|down  |  link NAME removed
            guard w.count >= 3 else { throw fail("expected 'link NAME index N up|down' or 'link NAME removed'") }
            let name = w[1]
            guard name.utf8.count <= 15, InterfacePattern.isValid(name) else {
                throw fail("\(quoted(name)) is not an interface name: 1 to 15 bytes, no '/', ':' or white space")
            }
            if let text = option("index") {
                guard let index = Int32(text), index > 0 else {
                    throw fail("index \(quoted(text)): expected a number from 1 to \(Int32.max)")
                }
                interfaces[name] = index
            }
            let index = try interface(name)
            switch w.last {
            case "up":
                return [
                    (
                        TraceRecord.route,
                        KernelMessageEncoding.link(RouteNetlink.MessageType.newLink, index: index, name: name, up: true)
                    )
                ]
            case "down":
                return [
                    (
                        TraceRecord.route,
                        KernelMessageEncoding.link(
                            RouteNetlink.MessageType.newLink, index: index, name: name, up: false)
                    )
                ]
            case "removed":
                interfaces[name] = nil
                return [
                    (
                        TraceRecord.route,
                        KernelMessageEncoding.link(
                            RouteNetlink.MessageType.deleteLink, index: index, name: name, up: false)
                    )
                ]
            default: throw fail("a link statement ends with up, down or removed")
            }
        case ("address", _):
            // address PREFIX on NAME [tentative]  |  address removed PREFIX on NAME
            let removed = w.count > 1 && w[1] == "removed"
            let rest = removed ? Array(w.dropFirst(2)) : Array(w.dropFirst(1))
            guard rest.count >= 3, rest[1] == "on" else {
                throw fail("expected 'address [removed] ADDRESS/LEN on NAME'")
            }
            let parts = rest[0].split(separator: "/")
            guard parts.count == 2, let address = IPAddress(String(parts[0])), let length = UInt8(parts[1]),
                Int(length) <= address.bytes.count * 8
            else {
                throw fail("\(quoted(rest[0])) is not ADDRESS/LENGTH (LENGTH at most 32 for IPv4, 128 for IPv6)")
            }
            let flags: InterfaceAddressFlags = rest.contains("tentative") ? .tentative : []
            let type = removed ? RouteNetlink.MessageType.deleteAddress : RouteNetlink.MessageType.newAddress
            return [
                (
                    TraceRecord.route,
                    KernelMessageEncoding.address(
                        type, index: try interface(rest[2]), address: address,
                        prefixLength: length, flags: flags)
                )
            ]
        case ("connection", _):
            // connection TOKEN created|established client|server LOCAL -> REMOTE [deny-join-id0]
            // connection TOKEN closed
            guard w.count >= 3 else {
                throw fail(
                    "expected 'connection TOKEN established client|server LOCAL -> REMOTE' or 'connection TOKEN closed'"
                )
            }
            let t = try token(w[1])
            if w[2] == "closed" {
                connections[t.rawValue] = nil
                return [event(.closed(t))]
            }
            guard w.count >= 7, ["created", "established"].contains(w[2]), ["client", "server"].contains(w[3]),
                w[5] == "->"
            else {
                throw fail(
                    "expected 'connection TOKEN created|established client|server LOCAL -> REMOTE [deny-join-id0]'")
            }
            let (local, remote) = try endpoints(w[4], w[6])
            let info = ConnectionEventInfo(
                token: t, local: local, remote: remote,
                serverSide: w[3] == "server", denyJoinInitialEndpoint: w.contains("deny-join-id0"),
                flags: (w.contains("deny-join-id0") ? 1 : 0) | (w[3] == "server" ? 2 : 0))
            let seen = connections[t.rawValue] != nil
            connections[t.rawValue] = info
            if w[2] == "created" { return [event(.created(info))] }
            return seen ? [event(.established(info))] : [event(.created(info)), event(.established(info))]
        case ("peer", "announces"):
            // peer announces TOKEN id N ENDPOINT
            guard w.count == 6, w[3] == "id" else { throw fail("expected 'peer announces TOKEN id N ADDRESS:PORT'") }
            guard let id = UInt8(w[4]) else { throw fail("id \(quoted(w[4])): expected a number from 0 to 255") }
            return [event(.announced(token: try token(w[2]), id: AddressID(id), endpoint: try endpoint(w[5])))]
        case ("peer", "removes"):
            guard w.count == 5, w[3] == "id" else { throw fail("expected 'peer removes TOKEN id N'") }
            guard let id = UInt8(w[4]) else { throw fail("id \(quoted(w[4])): expected a number from 0 to 255") }
            return [event(.removed(token: try token(w[2]), id: AddressID(id)))]
        case ("subflow", _):
            // subflow established|closed|priority TOKEN LOCAL -> REMOTE local-id N remote-id M [backup] [error E] [reset R]
            guard w.count >= 6, w[4] == "->" || (w.count > 5 && w[4] == "->") else {
                throw fail(
                    "expected 'subflow established|closed|priority TOKEN LOCAL -> REMOTE local-id N remote-id M [backup] [error E]'"
                )
            }
            let (local, remote) = try endpoints(w[3], w[5])
            let info = SubflowEventInfo(
                token: try token(w[2]), local: local, remote: remote,
                localID: AddressID(try numberOption("local-id", UInt8.self) ?? 0),
                remoteID: AddressID(try numberOption("remote-id", UInt8.self) ?? 0),
                backup: w.contains("backup"),
                error: try numberOption("error", UInt8.self),
                resetReason: try numberOption("reset", UInt32.self))
            switch w[1] {
            case "established": return [event(.subflowEstablished(info))]
            case "closed": return [event(.subflowClosed(info))]
            case "priority": return [event(.subflowPriority(info))]
            default: throw fail("subflow \(quoted(w[1])): expected established, closed or priority")
            }
        case ("listener", _):
            guard w.count == 3, ["created", "closed"].contains(w[1]) else {
                throw fail("expected 'listener created|closed ADDRESS:PORT'")
            }
            let e = try endpoint(w[2])
            return [event(w[1] == "created" ? .listenerCreated(e) : .listenerClosed(e))]
        default:
            throw fail(
                "unknown statement \(quoted(w.joined(separator: " "))): use link, address, connection, peer, subflow, listener or idle"
            )
        }
    }

    static func endpoint(_ text: String) -> SocketEndpoint? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                let address = IPAddress(String(text[text.index(after: text.startIndex)..<close])),
                text[close...].hasPrefix("]:"), let port = UInt16(text[text.index(close, offsetBy: 2)...])
            else { return nil }
            return SocketEndpoint(address, port: port)
        }
        guard let colon = text.lastIndex(of: ":"), let address = IPAddress(String(text[..<colon])),
            let port = UInt16(text[text.index(after: colon)...])
        else { return nil }
        return SocketEndpoint(address, port: port)
    }
}
