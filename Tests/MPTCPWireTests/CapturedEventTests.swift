import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// Events recorded from a real 6.18 kernel by tools/capture/capture_mptcp.py: two network
/// namespaces, userspace path manager, connections over IPv4, IPv6 and v4-mapped IPv6.
@Suite("MPTCP events: captured from the kernel")
struct CapturedEventTests {
    static let files = ["events-ipv4.hex", "events-ipv6.hex", "events-v4mapped.hex"]
    static let familyID: UInt16 = 28

    /// Every captured event decodes, agrees with the capture script's own (Python) reading
    /// of it, and re-encodes to the kernel's exact bytes.
    @Test(arguments: files)
    func everyEventDecodesAndReencodesExactly(_ file: String) throws {
        let messages = try Captures.load(file)
        #expect(messages.count >= 8)
        for captured in messages {
            let m = try message(captured.bytes)
            let event = try MPTCPEventDecoder.decode(m, familyID: Self.familyID)
            #expect(event.name == captured.tag("event"), "\(captured)")
            #expect(hexString(event.encode(familyID: Self.familyID)) == hexString(captured.bytes), "\(captured)")

            let (_, a) = try MPTCPEventDecoder.decodeAttributes(m)
            #expect(a.unknownTypes.isEmpty)
            func check<T: CustomStringConvertible>(_ key: String, _ value: T?) {
                #expect(value?.description == captured.tags[key], "\(captured): \(key)")
            }
            check("token", a.token)
            check("family", a.family)
            check("loc_id", a.localID)
            check("rem_id", a.remoteID)
            check("saddr", a.sourceIPv4 ?? a.sourceIPv6)
            check("daddr", a.destinationIPv4 ?? a.destinationIPv6)
            check("sport", a.sourcePort)
            check("dport", a.destinationPort)
            check("backup", a.backup)
            check("error", a.error)
            check("server_side", a.serverSide)
            check("flags", a.flags)
            check("if_idx", a.interface)
        }
    }

    @Test func ipv4Connection() throws {
        let facts = try Captures.facts("v4")
        let client = ConnectionToken(UInt32(facts["client_token"]!)!)
        let server = ConnectionToken(UInt32(facts["server_token"]!)!)
        let clientPort = UInt16(facts["client_port"]!)!
        func event(_ what: String) throws -> MPTCPEvent {
            try MPTCPEventDecoder.decode(message(Captures.message("events-ipv4.hex", what).bytes))
        }

        #expect(try event("v4.server.listener_created") == .listenerCreated(endpoint("198.18.0.1", 47001)))
        #expect(try event("v4.server.listener_created.2") == .listenerCreated(endpoint("198.18.1.1", 47001)))

        // The server side: SERVER_SIDE attribute 1 and FLAGS bit 1, both sent by 6.18.
        #expect(
            try event("v4.server.created")
                == .created(
                    ConnectionEventInfo(
                        token: server, local: endpoint("198.18.0.1", 47001), remote: endpoint("198.18.0.2", clientPort),
                        serverSide: true, flags: MPTCPEventFlags.serverSide.rawValue)))
        #expect(
            try event("v4.server.established")
                == .established(
                    ConnectionEventInfo(
                        token: server, local: endpoint("198.18.0.1", 47001), remote: endpoint("198.18.0.2", clientPort),
                        serverSide: true, flags: 2)))
        // The client side: neither SERVER_SIDE nor FLAGS.
        #expect(
            try event("v4.client.created")
                == .created(
                    ConnectionEventInfo(
                        token: client, local: endpoint("198.18.0.2", clientPort), remote: endpoint("198.18.0.1", 47001))
                ))
        #expect(
            try event("v4.client.established")
                == .established(
                    ConnectionEventInfo(
                        token: client, local: endpoint("198.18.0.2", clientPort), remote: endpoint("198.18.0.1", 47001))
                ))

        // ANNOUNCE without a port: the event carries the connection's port.
        #expect(
            try event("v4.client.announced")
                == .announced(
                    token: client, id: AddressID(5),
                    endpoint: endpoint("198.18.1.1", 47001)))

        guard case .subflowEstablished(let joined) = try event("v4.client.sub_established") else {
            Issue.record("not SUB_ESTABLISHED"); return
        }
        #expect(joined.token == client)
        #expect(joined.local.address == ip("198.18.1.2"))
        #expect(joined.remote == endpoint("198.18.1.1", 47001))
        #expect(joined.localID == AddressID(7))
        #expect(joined.remoteID == AddressID(5))
        #expect(joined.backup == false)
        #expect(joined.interface == nil)

        guard case .subflowEstablished(let accepted) = try event("v4.server.sub_established") else { return }
        #expect(accepted.token == server)
        #expect(accepted.local == joined.remote)
        #expect(accepted.remote == joined.local)
        #expect(accepted.localID == AddressID(5))
        #expect(accepted.remoteID == AddressID(7))

        // The client's SET_FLAGS backup: the server receives MP_PRIO.
        guard case .subflowPriority(let priority) = try event("v4.server.sub_priority") else { return }
        #expect(priority.backup)
        #expect(priority.remote == joined.local)

        // A join to a closed port: SUB_CLOSED with ECONNREFUSED.
        guard case .subflowClosed(let refused) = try event("v4.client.sub_closed") else { return }
        #expect(refused.error == 111)
        #expect(refused.localID == AddressID(9))
        #expect(refused.remote == endpoint("198.18.0.1", 47901))

        // SUBFLOW_DESTROY: both ends report SUB_CLOSED, without error.
        guard case .subflowClosed(let destroyed) = try event("v4.client.sub_closed.2") else { return }
        #expect(destroyed.local == joined.local)
        #expect(destroyed.error == nil)

        #expect(try event("v4.client.removed") == .removed(token: client, id: AddressID(5)))
        #expect(try event("v4.client.closed") == .closed(client))
        #expect(try event("v4.server.closed") == .closed(server))
        #expect(try event("v4.server.listener_closed") == .listenerClosed(endpoint("198.18.1.1", 47001)))
    }

    @Test func ipv6Connection() throws {
        let facts = try Captures.facts("v6")
        let client = ConnectionToken(UInt32(facts["client_token"]!)!)
        let server = ConnectionToken(UInt32(facts["server_token"]!)!)
        let clientPort = UInt16(facts["client_port"]!)!
        let ifindex = InterfaceIndex(Int32(facts["client_ifindex"]!)!)
        func event(_ what: String) throws -> MPTCPEvent {
            try MPTCPEventDecoder.decode(message(Captures.message("events-ipv6.hex", what).bytes))
        }

        #expect(
            try event("v6.client.created")
                == .created(
                    ConnectionEventInfo(
                        token: client, local: endpoint("2001:db8::2", clientPort),
                        remote: endpoint("2001:db8::1", 47002))))
        #expect(
            try event("v6.server.established")
                == .established(
                    ConnectionEventInfo(
                        token: server, local: endpoint("2001:db8::1", 47002),
                        remote: endpoint("2001:db8::2", clientPort),
                        serverSide: true, flags: 2)))
        // ANNOUNCE with a new port: ANNOUNCED has DADDR6 and that port, and no FAMILY.
        #expect(
            try event("v6.client.announced")
                == .announced(
                    token: client, id: AddressID(6),
                    endpoint: endpoint("2001:db8:1::1", 47003)))
        let raw = try Captures.message("events-ipv6.hex", "v6.client.announced")
        #expect(try MPTCPEventDecoder.decodeAttributes(message(raw.bytes)).attributes.family == nil)

        // The join was bound to the client's interface and asked for backup: the client's
        // event has IF_IDX; BACKUP reports the peer's view, so only the server sees 1.
        guard case .subflowEstablished(let joined) = try event("v6.client.sub_established") else { return }
        #expect(joined.interface == ifindex)
        #expect(joined.localID == AddressID(8))
        #expect(joined.remoteID == AddressID(6))
        #expect(joined.backup == false)
        guard case .subflowEstablished(let accepted) = try event("v6.server.sub_established") else { return }
        #expect(accepted.backup == true)
        #expect(accepted.interface == nil)
        #expect(try event("v6.server.closed") == .closed(server))
        #expect(try event("v6.server.listener_closed.2") == .listenerClosed(endpoint("2001:db8::1", 47002)))
    }

    @Test func v4MappedConnectionKeepsTheMappedAddresses() throws {
        let facts = try Captures.facts("mapped")
        let clientPort = UInt16(facts["client_port"]!)!
        let m = try Captures.message("events-v4mapped.hex", "mapped.client.established")
        guard case .established(let info) = try MPTCPEventDecoder.decode(message(m.bytes)) else { return }
        #expect(info.local == endpoint("::ffff:198.18.0.2", clientPort))
        #expect(info.remote == endpoint("::ffff:198.18.0.1", 47004))
        #expect(info.local.family == .ipv6)
        #expect(info.local.address.unmappedIPv4 == ip("198.18.0.2"))
        let listener = try Captures.message("events-v4mapped.hex", "mapped.server.listener_created")
        #expect(try MPTCPEventDecoder.decode(message(listener.bytes)) == .listenerCreated(endpoint("::", 47004)))
    }
}
