import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

@Suite("One-line descriptions")
struct DescriptionTests {
    @Test func events() {
        let lines = EventGoldenTests.cases.map(\.event.description)
        #expect(
            lines == [
                "[CREATED] token=287454020 remid=0 locid=0 saddr4=198.18.0.1 daddr4=198.18.0.2 sport=47001 dport=50000 flags=0x2 server_side=1",
                "[ESTABLISHED] token=168496141 remid=0 locid=0 saddr6=2001:db8::2 daddr6=2001:db8::1 sport=50000 dport=47002 flags=0x1",
                "[CLOSED] token=287454020",
                "[ANNOUNCED] token=287454020 remid=5 daddr4=198.18.1.1 dport=47001",
                "[ANNOUNCED] token=287454020 remid=6 daddr6=2001:db8:1::1 dport=47003",
                "[REMOVED] token=287454020 remid=5",
                "[SF_ESTABLISHED] token=287454020 remid=5 locid=7 saddr4=198.18.1.2 daddr4=198.18.1.1 sport=40000 dport=47001 backup=0 ifindex=2",
                "[SF_CLOSED] token=287454020 remid=0 locid=9 saddr4=198.18.1.12 daddr4=198.18.0.1 sport=40001 dport=47901 backup=0 error=111 reset_reason=1 reset_flags=0x0",
                "[SF_PRIO] token=287454020 remid=8 locid=6 saddr6=2001:db8:1::1 daddr6=2001:db8:1::2 sport=47003 dport=40000 backup=1",
                "[LISTENER_CREATED] saddr4=198.18.0.1 sport=47001",
                "[LISTENER_CLOSED] saddr6=:: sport=47004",
                "[UNKNOWN 42]",
            ])
    }

    @Test func unknownAttributesAreShown() throws {
        var a = MPTCPEventAttributes(token: ConnectionToken(1))
        a.unknownTypes = [19, 20]
        #expect(a.description(eventType: 3) == "[CLOSED] token=1 unknown_attrs=19,20")
    }

    @Test func commands() {
        let lines = CommandGoldenTests.cases.map(\.command.description)
        #expect(
            lines == [
                "[ANNOUNCE] token=287454020 addr=(198.18.1.1 id=5 flags=signal)",
                "[ANNOUNCE] token=287454020 addr=([2001:db8:1::1]:47003 id=6 flags=signal dev=2)",
                "[REMOVE] token=287454020 locid=5",
                "[SUBFLOW_CREATE] token=287454020 local=(198.18.1.2 id=7 flags=backup dev=2) remote=(198.18.1.1:47001)",
                "[SUBFLOW_DESTROY] token=287454020 local=(198.18.1.2:40000) remote=(198.18.1.1:47001)",
                "[SET_FLAGS] token=287454020 local=([2001:db8:1::2]:40000 flags=backup) remote=([2001:db8:1::1]:47003)",
                "[SET_FLAGS] local=(id=3 flags=backup)",
                "[GET_ADDR] token=287454020 id=5",
                "[GET_ADDR] dump",
                "[GET_ADDR] token=287454020 dump",
                "[ADD_ADDR] addr=(198.18.1.1:47100 id=1 flags=signal dev=2)",
                "[DEL_ADDR] addr=(id=1)",
                "[FLUSH_ADDRS]",
                "[SET_LIMITS] add_addr_accepted=4 subflows=2",
                "[GET_LIMITS]",
            ])
    }

    @Test func replies() {
        #expect(
            NetlinkReply.failure(sequence: 3, KernelError(code: .invalidArgument, message: "invalid token")).description
                == "error seq=3: EINVAL: invalid token")
        #expect(NetlinkReply.ack(sequence: 4).description == "ack seq=4")
    }

    @Test func flagsAndEntries() {
        #expect(AddressFlags([.signal, .backup]).description == "signal,backup")
        #expect(AddressFlags(rawValue: 0x41).description == "signal,0x40")
        #expect(AddressFlags().description == "none")
        #expect(
            AddressEntry(ip("198.18.1.1"), id: AddressID(5), port: 80, flags: .signal).description
                == "id 5 198.18.1.1 port 80 flags signal")
    }
}
