import InMemoryLogging
import Logging
import MPTCPWire
import SubflowCore
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowDaemon

/// SignalDropCheck through its seams: a link double that, like the kernel, bumps the
/// namespace's drop counters inside `submit` and answers later, and a counter table.
@Suite struct SignalDropCheckTests {
    /// The kernel link: each command's counter effect happens in `submit` (the kernel handles a
    /// generic-netlink command inside the send), its answer only on `answerAll()`.
    final class FakeLink: PathManagerKernel {
        var counters: [String: UInt64]? = ["AddAddrTxDrop": 5, "RmAddrTxDrop": 9]
        /// What the next command does to the counters, and how the kernel answers it.
        var bump: [String] = []
        var result: CommandResult = .success(())
        var submitted: [MPTCPCommand] = []
        var counterReads = 0
        private var pending: [(CommandResult, (CommandResult) -> Void)] = []

        func submit(_ command: MPTCPCommand, completion: @escaping (CommandResult) -> Void) {
            submitted.append(command)
            for name in bump { counters?[name, default: 0] += 1 }
            pending.append((result, completion))
        }

        func answerAll() {
            let answers = pending
            pending = []
            for (result, completion) in answers { completion(result) }
        }

        func readCounters() -> [String: UInt64]? {
            counterReads += 1
            return counters
        }
    }

    final class Checked {
        let link = FakeLink()
        let log = InMemoryLogHandler()
        let check: SignalDropCheck
        var results: [CommandResult] = []

        init() {
            let log = self.log
            check = SignalDropCheck(
                link, logger: Logger(label: "test") { _ in log }, readCounters: { [link] in link.readCounters() })
        }

        /// What the caller of `submit` saw (CommandResult is not Equatable: its success is Void).
        enum Seen: Equatable {
            case success
            case failure(KernelError)
        }

        /// Submits `command`, lets the link answer, returns what the caller saw.
        func run(_ command: MPTCPCommand) -> Seen? {
            var seen: Seen?
            check.submit(command) { result in
                switch result {
                case .success: seen = .success
                case .failure(let error): seen = .failure(error)
                }
            }
            #expect(seen == nil, "answered inside submit")
            link.answerAll()
            return seen
        }

        var warnings: [String] { log.entries.filter { $0.level == .warning }.map { "\($0.message)" } }
    }

    static let token = ConnectionToken(0x1122_3344)
    static let address = AddressEntry(IPAddress("198.18.0.2")!, id: AddressID(3), flags: .signal)
    static let announce = MPTCPCommand.announce(token: token, address: address)
    static let remove = MPTCPCommand.remove(token: token, id: AddressID(3))

    @Test("an ANNOUNCE acked with no drop counted is a success")
    func announceWithoutDrop() {
        let checked = Checked()
        #expect(checked.run(Self.announce) == .success)
        #expect(checked.link.submitted == [Self.announce])
        #expect(checked.warnings.isEmpty)
    }

    @Test("an ANNOUNCE acked while AddAddrTxDrop rose fails with EAGAIN: the ADD_ADDR was dropped")
    func announceDropped() {
        let checked = Checked()
        checked.link.bump = ["AddAddrTxDrop"]
        #expect(checked.run(Self.announce) == .failure(SignalDropCheck.dropped))
        #expect(
            SignalDropCheck.dropped.errno == 11
                && SignalDropCheck.dropped.message?.contains("announce again later") == true)
    }

    @Test("an ANNOUNCE the kernel refused keeps the kernel's error, whatever the counters did")
    func announceRefused() {
        let checked = Checked()
        checked.link.bump = ["AddAddrTxDrop"]
        checked.link.result = .failure(KernelError(errno: 22, message: "invalid token"))
        #expect(checked.run(Self.announce) == .failure(KernelError(errno: 22, message: "invalid token")))
    }

    @Test("only the command's own counter counts: RmAddrTxDrop rising does not fail an ANNOUNCE")
    func otherCounterIgnored() {
        let checked = Checked()
        checked.link.bump = ["RmAddrTxDrop"]
        #expect(checked.run(Self.announce) == .success)
    }

    @Test("a REMOVE whose RM_ADDR was dropped still succeeds (the address is gone) and is logged")
    func removeDropped() {
        let checked = Checked()
        #expect(checked.run(Self.remove) == .success)
        #expect(checked.warnings.isEmpty)
        checked.link.bump = ["RmAddrTxDrop"]
        #expect(checked.run(Self.remove) == .success)
        #expect(checked.warnings.count == 1)
        #expect(
            checked.warnings.first?.contains("dropped its RM_ADDR (RmAddrTxDrop rose") == true, "\(checked.warnings)")
    }

    @Test("other commands pass straight through without reading the counters")
    func otherCommandsPassThrough() {
        let checked = Checked()
        let create = MPTCPCommand.subflowCreate(token: Self.token, local: Self.address, remote: Self.address)
        checked.link.bump = ["AddAddrTxDrop", "RmAddrTxDrop"]
        #expect(checked.run(create) == .success)
        #expect(checked.link.counterReads == 0)
        #expect(checked.link.submitted == [create])
    }

    @Test("counters that cannot be read: commands go on unchecked, and that is warned about once")
    func unreadableCounters() {
        let checked = Checked()
        checked.link.counters = nil
        #expect(checked.run(Self.announce) == .success)
        #expect(checked.run(Self.remove) == .success)
        #expect(checked.link.submitted.count == 2)
        #expect(checked.warnings.count == 1)
        #expect(checked.warnings.first?.contains("cannot read MPTcpExt counters") == true, "\(checked.warnings)")
    }
}
