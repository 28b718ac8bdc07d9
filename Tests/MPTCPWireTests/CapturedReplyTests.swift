import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// Replies, errors and requests recorded from a real 6.18 kernel.
@Suite("Replies and requests: captured from the kernel")
struct CapturedReplyTests {
    static let familyID: UInt16 = 28

    func reply(_ what: String) throws -> (CapturedMessage, NetlinkReply) {
        let m = try Captures.message("replies.hex", what)
        return (m, try NetlinkReply.decode(message(m.bytes)))
    }

    @Test func acks() throws {
        for what in [
            "v4.announce.ack", "v4.subflow_create.ack", "v4.set_flags.ack", "v4.subflow_destroy.ack",
            "v4.remove.ack", "v6.announce.ack", "v6.subflow_create.ack",
        ] {
            let (m, r) = try reply(what)
            #expect(r == .ack(sequence: UInt32(m.int("seq"))), "\(what)")
        }
    }

    @Test func errorWithTheWholeRequestEchoed() throws {
        let (m, r) = try reply("v4.announce_bad_token.error")
        #expect(try message(m.bytes).flags == [.ackTLVs])
        #expect(
            r == .failure(sequence: UInt32(m.int("seq")), KernelError(code: .invalidArgument, message: "invalid token"))
        )
    }

    @Test func errorWithTheRequestCapped() throws {
        let (m, r) = try reply("v4.announce_bad_token_capped.error")
        #expect(try message(m.bytes).flags == [.capped, .ackTLVs])
        #expect(
            r == .failure(sequence: UInt32(m.int("seq")), KernelError(code: .invalidArgument, message: "invalid token"))
        )
    }

    @Test func errorTexts() throws {
        let expected: [(String, Int32, String)] = [
            ("v4.announce_id0.error", 22, "invalid addr id"),
            ("v4.announce_no_signal.error", 22, "invalid addr flags"),
            // No text from the kernel, only NLMSGERR_ATTR_MISS_TYPE = 4 (TOKEN).
            ("v4.announce_no_token.error", 22, "missing attribute 4"),
            ("v4.subflow_destroy_unknown.error", 3, "subflow not found"),
        ]
        for (what, errno, text) in expected {
            let (m, r) = try reply(what)
            #expect(r == .failure(sequence: UInt32(m.int("seq")), KernelError(errno: errno, message: text)), "\(what)")
        }
    }

    @Test func addressDumpOfAConnection() throws {
        let (data, r) = try reply("v4.get_addr.dump.data")
        guard case .data(let m) = r else { Issue.record("\(r)"); return }
        #expect(m.flags.contains(.multi))
        let entry = try MPTCPReply.address(m, familyID: Self.familyID)
        #expect(entry == AddressEntry(ip("198.18.1.1"), id: AddressID(5), flags: .signal))
        let (done, end) = try reply("v4.get_addr.dump.done")
        #expect(end == .done(sequence: UInt32(done.int("seq"))))
        #expect(done.int("seq") == data.int("seq"))

        let (_, v6) = try reply("v6.get_addr.dump.data")
        guard case .data(let m6) = v6 else { return }
        let facts = try Captures.facts("v6")
        #expect(
            try MPTCPReply.address(m6)
                == AddressEntry(
                    ip("2001:db8:1::2"), id: AddressID(8), flags: [.subflow, .backup],
                    interface: InterfaceIndex(Int32(facts["client_ifindex"]!)!)))
    }

    @Test func addressByID() throws {
        let (_, r) = try reply("v4.get_addr.data")
        guard case .data(let m) = r else { Issue.record("\(r)"); return }
        #expect(try MPTCPReply.address(m) == AddressEntry(ip("198.18.1.1"), id: AddressID(5), flags: .signal))
        #expect(try reply("v4.get_addr.ack").1.sequence == m.sequence)
    }

    @Test func limits() throws {
        let (_, r) = try reply("v4.get_limits.data")
        guard case .data(let m) = r else { Issue.record("\(r)"); return }
        // A new namespace's defaults: accept no ADD_ADDR, 2 extra subflows.
        #expect(try MPTCPReply.limits(m) == MPTCPLimits(receivedAddAddrs: 0, subflows: 2))
    }

    /// The requests the capture script built by hand and the kernel acted on: the Swift
    /// encoder produces the same bytes for the same command.
    @Test func encoderReproducesTheRequestsTheKernelAccepted() throws {
        let requests = try Captures.load("commands.hex")
        #expect(requests.count >= 15)
        for request in requests where request.what != "v4.announce_no_token" {
            let m = try message(request.bytes)
            let command = try MPTCPCommand(decoding: m, familyID: Self.familyID)
            #expect(
                hexString(command.encode(familyID: Self.familyID, sequence: m.sequence)) == hexString(request.bytes),
                "\(request): \(command)")
        }
        let accepted = requests.filter { $0.tags["accepted"] == "1" }.map(\.what)
        for what in [
            "v4.announce", "v4.subflow_create", "v4.set_flags", "v4.subflow_destroy", "v4.remove",
            "v4.get_addr", "v4.get_addr.dump", "v4.get_limits", "v6.announce", "v6.subflow_create",
        ] {
            #expect(accepted.contains(what), "\(what) was accepted by the kernel")
        }
    }

    @Test func genericNetlinkControl() throws {
        let request = try Captures.message("genl-ctrl.hex", "ctrl.getfamily.request")
        let m = try message(request.bytes)
        #expect(GenericNetlinkControl.encodeGetFamily(name: "mptcp_pm", sequence: m.sequence) == request.bytes)

        let reply = try Captures.message("genl-ctrl.hex", "ctrl.getfamily.reply")
        let family = try GenericNetlinkControl.decodeFamily(message(reply.bytes))
        #expect(family.name == MPTCPFamily.name)
        #expect(family.id == UInt16(reply.int("family_id")))
        #expect(family.version == 1)
        #expect(family.multicastGroups[MPTCPFamily.eventsGroup] == UInt32(reply.int("group.mptcp_pm_events")))
        #expect(family.multicastGroups[MPTCPFamily.commandsGroup] == UInt32(reply.int("group.mptcp_pm_cmds")))
        #expect(family.multicastGroups.count == 2)

        let nlctrl = try GenericNetlinkControl.decodeFamily(
            message(Captures.message("genl-ctrl.hex", "ctrl.getfamily.nlctrl.reply").bytes))
        #expect(nlctrl.id == GenericNetlinkControl.familyID)
        #expect(nlctrl.name == "nlctrl")
        #expect(nlctrl.multicastGroups["notify"] != nil)

        let unknown = try Captures.message("genl-ctrl.hex", "ctrl.getfamily.unknown.error")
        guard case .failure(_, let error) = try NetlinkReply.decode(message(unknown.bytes)) else {
            Issue.record("not a failure"); return
        }
        #expect(error.code == .noSuchEntry)
    }
}
