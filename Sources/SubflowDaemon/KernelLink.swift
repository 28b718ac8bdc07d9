import Logging
import MPTCPWire
import SubflowConfiguration
import SubflowCore
import SubflowPolicy
import SubflowSystem

/// subflowd's connection to the kernel's `mptcp_pm` generic-netlink family.
///
/// Two sockets: one joined to `mptcp_pm_events` with a large receive buffer (events arrive
/// in bursts and must not crowd out anything else), one for commands and their acks. Each
/// command carries NLM_F_ACK and a sequence number; the ack (or errno plus the kernel's
/// extended-ack text) goes back to whoever sent the command.
///
/// Lost messages are survived, not ignored. An overrun on the events socket is reported once
/// the socket is drained (`onEventsLost`, once per burst), and the daemon resynchronises from
/// the kernel (Recovery/EventResynchroniser). An overrun on the command socket means lost
/// answers: the kernel answers a request while the request is sent (genetlink runs the command
/// inside sendmsg), so once that socket is drained every command still waiting lost its
/// answer, and it is failed with ENOBUFS so that its policy can retry. A command unanswered
/// for `answerDeadlineMilliseconds` is failed with ETIMEDOUT, whatever the reason.
final class KernelLink: PathManagerKernel {
    private let loop: EventLoop
    private let logger: Logger
    private let commands: NetlinkSocket
    private let events: NetlinkSocket
    private var watches: [FileWatch] = []
    private var family: GenericFamily?
    private var nextSequence: UInt32 = 1
    private var familyRequest: UInt32 = 0
    private var pending: [UInt32: Pending] = [:]
    private var waitingSince: UInt64?
    private var overdueSweep: OneShotTimer?
    /// An ENOBUFS was read and the socket has not been read empty since (drains are bounded
    /// per loop turn, so "drained" may come turns later).
    private var eventOverrunPending = false
    private var replyOverrunPending = false

    private struct Pending {
        var sentAt: UInt64
        var completion: (CommandResult) -> Void
    }

    static let answerDeadlineMilliseconds: UInt64 = 10_000

    /// Decoded events go here (the PathManager, usually).
    var onEvent: (MPTCPEvent) -> Void = { _ in }
    /// The events socket overran: called at each ENOBUFS, before the rest of the socket is read.
    var onOverrun: () -> Void = {}
    /// The events socket overran and has been drained since (once per burst).
    var onEventsLost: () -> Void = {}
    /// The command socket overran (answers lost) and `failed` waiting commands were failed.
    var onRepliesLost: (_ failed: Int) -> Void = { _ in }
    /// Commands failed because no answer came within the deadline.
    var onUnanswered: (_ failed: Int) -> Void = { _ in }
    var onMalformed: (String) -> Void = { _ in }
    /// The link cannot work (the kernel refused the events group): the daemon must stop.
    var onFatal: (String) -> Void = { _ in }
    /// Called once the family is resolved and the event group joined.
    var onReady: (GenericFamily) -> Void = { _ in }
    /// Every raw datagram received or sent, for recording (direction, bytes).
    var onRawMessage: ((RawDirection, [UInt8]) -> Void)?

    enum RawDirection { case received, sent }

    static let eventsReceiveBuffer = 4 << 20

    init(loop: EventLoop, logger: Logger, eventsReceiveBuffer: Int = KernelLink.eventsReceiveBuffer) throws(SystemError)
    {
        self.loop = loop
        self.logger = logger
        commands = try NetlinkSocket(protocol: 16)
        events = try NetlinkSocket(protocol: 16, receiveBufferBytes: eventsReceiveBuffer)
        watches.append(try loop.watchReadable(fd: commands.fd) { [unowned self] in self.drainCommandSocket() })
        watches.append(try loop.watchReadable(fd: events.fd) { [unowned self] in self.drainEventSocket() })
    }

    var isReady: Bool { family != nil }
    var familyID: UInt16? { family?.id }
    /// Both sockets are still watched by the loop.
    var isWatched: Bool { watches.allSatisfy(\.isActive) }

    /// Resolves the family (retrying every second while MPTCP is absent) and joins its events group.
    func start() {
        familyRequest = takeSequence()
        do {
            try send(GenericNetlinkControl.encodeGetFamily(name: MPTCPFamily.name, sequence: familyRequest))
        } catch {
            logger.error("cannot query generic netlink: \(error)")
        }
    }

    func submit(_ command: MPTCPCommand, completion: @escaping (CommandResult) -> Void) {
        guard let family else {
            return failSoon(
                completion, KernelError(code: .tryAgain, message: "subflowd: the mptcp_pm family is not resolved yet"))
        }
        let sequence = takeSequence()
        do {
            try send(command.encode(familyID: family.id, sequence: sequence))
            expect(sequence, completion)
        } catch {
            failSoon(
                completion,
                KernelError(errno: error.errno.rawValue, message: "subflowd: sending to the kernel failed: \(error)"))
        }
    }

    /// A request that the kernel always answers at once (nlctrl GETFAMILY with an ack; an
    /// error is an answer too), for the watchdog: `answered` runs when the answer is read.
    func probe(answered: @escaping () -> Void) {
        let sequence = takeSequence()
        do {
            try send(
                GenericNetlinkControl.encodeGetFamily(
                    name: MPTCPFamily.name, sequence: sequence, flags: [.request, .ack]))
            expect(sequence) { _ in answered() }
        } catch {
            logger.error("cannot send the link probe: \(error)")
        }
    }

    // MARK: Receiving

    /// At most this many datagrams are read from one netlink socket per loop turn, so that a
    /// steady stream of events leaves the loop to the command socket's answers and to the
    /// control clients (measured under bench/storm.sh: with an unbounded drain the command
    /// socket was not read for the whole 10 s storm, 129,915 answers were lost, and every
    /// control request timed out).
    static let datagramsPerTurn = 64

    private func drainEventSocket() {
        var emptied = false
        do {
            emptied = try events.drain(
                limit: Self.datagramsPerTurn,
                datagram: { bytes in
                    onRawMessage?(.received, bytes)
                    decodeEvents(bytes)
                },
                overrun: {
                    eventOverrunPending = true; onOverrun()
                })
        } catch {
            logger.error("reading MPTCP events failed: \(error)")
        }
        // Only now, with the socket empty: one resync for the whole burst (EventResynchroniser).
        if emptied, eventOverrunPending {
            eventOverrunPending = false
            onEventsLost()
        }
    }

    private func decodeEvents(_ bytes: [UInt8]) {
        let messages: [NetlinkMessage]
        do { messages = try NetlinkDatagram.split(bytes) } catch {
            return onMalformed("event datagram: \(error)")
        }
        for message in messages where message.type == family?.id {
            do { onEvent(try MPTCPEventDecoder.decode(message)) } catch {
                onMalformed("MPTCP event: \(error)")
            }
        }
    }

    private func drainCommandSocket() {
        var emptied = false
        do {
            emptied = try commands.drain(
                limit: Self.datagramsPerTurn,
                datagram: { bytes in
                    onRawMessage?(.received, bytes)
                    handleReplies(bytes)
                }, overrun: { replyOverrunPending = true })
        } catch {
            logger.error("reading kernel replies failed: \(error)")
        }
        if emptied, replyOverrunPending {
            replyOverrunPending = false
            repliesLost()
        }
    }

    /// The command socket is drained after an overrun: every answer still awaited was lost.
    private func repliesLost() {
        let lost = pending
        pending = [:]
        logger.error(
            """
            kernel answers were lost (netlink overrun on the command socket): \(lost.count) command(s) \
            failed with ENOBUFS so that their policies can retry
            """)
        let error = KernelError(
            code: .noBufferSpace,
            message: """
                subflowd: the kernel's answer was lost (netlink overrun on the command socket); \
                the command may or may not have taken effect
                """)
        for sequence in lost.keys.sorted() { failSoon(lost[sequence]!.completion, error) }
        if family == nil { start() }  // the family reply may have been among them
        onRepliesLost(lost.count)
    }

    /// Remembers a command until its answer; keeps the deadline sweep running meanwhile.
    private func expect(_ sequence: UInt32, _ completion: @escaping (CommandResult) -> Void) {
        pending[sequence] = Pending(sentAt: MonotonicClock.nowMilliseconds, completion: completion)
        guard overdueSweep?.isPending != true else { return }
        overdueSweep = loop.after(milliseconds: Self.answerDeadlineMilliseconds / 2) { [weak self] in
            self?.failOverdue()
        }
    }

    private func failOverdue() {
        let now = MonotonicClock.nowMilliseconds
        let overdue = pending.filter { now - $0.value.sentAt >= Self.answerDeadlineMilliseconds }.keys.sorted()
        if !overdue.isEmpty {
            logger.error(
                "\(overdue.count) kernel command(s) unanswered after \(Self.answerDeadlineMilliseconds) ms: failed with ETIMEDOUT"
            )
            let error = KernelError(
                code: .timedOut,
                message: "subflowd: no answer from the kernel within \(Self.answerDeadlineMilliseconds) ms")
            for sequence in overdue { failSoon(pending.removeValue(forKey: sequence)!.completion, error) }
            onUnanswered(overdue.count)
        }
        overdueSweep = nil
        if !pending.isEmpty {
            overdueSweep = loop.after(milliseconds: Self.answerDeadlineMilliseconds / 2) { [weak self] in
                self?.failOverdue()
            }
        }
    }

    private func handleReplies(_ bytes: [UInt8]) {
        let messages: [NetlinkMessage]
        do { messages = try NetlinkDatagram.split(bytes) } catch {
            return onMalformed("reply datagram: \(error)")
        }
        for message in messages {
            let reply: NetlinkReply
            do { reply = try NetlinkReply.decode(message) } catch {
                onMalformed("reply: \(error)"); continue
            }
            switch reply {
            case .ack(let sequence):
                pending.removeValue(forKey: sequence)?.completion(.success(()))
            case .failure(let sequence, let error):
                if sequence == familyRequest && family == nil {
                    familyMissing(error)
                } else {
                    pending.removeValue(forKey: sequence)?.completion(.failure(error))
                }
            case .data(let message):
                if message.sequence == familyRequest && family == nil { familyResolved(message) }
            case .done(let sequence):
                // A dump (GET_ADDR with NLM_F_DUMP) ends with NLMSG_DONE and no ack.
                pending.removeValue(forKey: sequence)?.completion(.success(()))
            }
        }
    }

    // MARK: Family resolution

    private func familyResolved(_ message: NetlinkMessage) {
        let resolved: GenericFamily
        do { resolved = try GenericNetlinkControl.decodeFamily(message) } catch {
            return onMalformed("nlctrl family reply: \(error)")
        }
        guard let group = resolved.multicastGroups[MPTCPFamily.eventsGroup] else {
            logger.error(
                "the mptcp_pm family has no '\(MPTCPFamily.eventsGroup)' group: this kernel predates MPTCP events (Linux 5.12)"
            )
            return
        }
        do { try events.join(group: group) } catch {
            return onFatal(
                "cannot join \(MPTCPFamily.eventsGroup): \(error); subflowd needs CAP_NET_ADMIN in this network namespace"
            )
        }
        family = resolved
        logger.info(
            "kernel link ready: mptcp_pm family \(resolved.id) version \(resolved.version), events group \(group)")
        onReady(resolved)
    }

    private func familyMissing(_ error: KernelError) {
        if waitingSince == nil {
            waitingSince = MonotonicClock.nowMilliseconds
            logger.warning(
                "the kernel has no mptcp_pm family yet (\(error)); waiting for MPTCP to appear (modprobe mptcp?)")
        }
        loop.after(milliseconds: 1000) { [weak self] in self?.start() }
    }

    // MARK: Sending

    private func send(_ bytes: [UInt8]) throws(SystemError) {
        onRawMessage?(.sent, bytes)
        try commands.send(bytes)
    }

    private func takeSequence() -> UInt32 {
        defer { nextSequence = nextSequence &+ 1 == 0 ? 1 : nextSequence &+ 1 }
        return nextSequence
    }

    private func failSoon(_ completion: @escaping (CommandResult) -> Void, _ error: KernelError) {
        loop.after(milliseconds: 0) { completion(.failure(error)) }
    }
}
