import Logging
import MPTCPWire
import SubflowConfiguration
import SubflowCore
import SubflowPolicy
import SubflowSystem

/// A `PathManagerKernel` in front of the kernel link that tells the sender when the kernel acked an
/// ANNOUNCE but dropped its ADD_ADDR.
///
/// What the kernel does: a connection holds at most one pending ADD_ADDR/RM_ADDR signal.
/// ANNOUNCE marks its ADD_ADDR pending and has a subflow send an ACK to carry it; the signal
/// stays pending until an outgoing packet has room for it (an IPv6 ADD_ADDR with a port never
/// fits beside TCP timestamps) and is re-marked by the kernel's retransmission timer until
/// the peer echoes it. An ANNOUNCE that arrives while a signal is pending loses its ADD_ADDR,
/// bumps the namespace's `MPTcpExtAddAddrTxDrop`, and is acked all the same. REMOVE likewise
/// bumps `MPTcpExtRmAddrTxDrop` (after deleting the address, so it cannot be retried).
///
/// The kernel handles a generic-netlink command synchronously inside the send() that carries
/// it, so the counter read right before and right after `submit` brackets exactly this
/// command. A rise turns the ANNOUNCE's success into `EAGAIN` ("dropped, announce again
/// later"); a dropped RM_ADDR is only logged, the command having done all it still can.
final class SignalDropCheck: PathManagerKernel {
    /// The error a policy gets for an ANNOUNCE whose ADD_ADDR the kernel dropped.
    static let dropped = KernelError(
        code: .tryAgain,
        message: """
            subflowd: the kernel dropped this ADD_ADDR (MPTcpExtAddAddrTxDrop rose): another \
            ADD_ADDR or RM_ADDR was still pending on the connection; announce again later
            """)

    private let link: any PathManagerKernel
    private let logger: Logger
    /// The namespace's MPTcpExt counters, nil when they cannot be read.
    private let readCounters: () -> [String: UInt64]?
    private var warnedUnreadable = false

    init(
        _ link: any PathManagerKernel, logger: Logger,
        readCounters: @escaping () -> [String: UInt64]? = { try? NetstatCounters.read(group: "MPTcpExt") }
    ) {
        self.link = link
        self.logger = logger
        self.readCounters = readCounters
    }

    func submit(_ command: MPTCPCommand, completion: @escaping (CommandResult) -> Void) {
        let counter: String
        switch command {
        case .announce: counter = "AddAddrTxDrop"
        case .remove: counter = "RmAddrTxDrop"
        default: return link.submit(command, completion: completion)
        }
        let before = readCounters()?[counter]
        let verdict = Verdict()
        link.submit(command) { [logger] result in
            guard case .success = result, verdict.dropped else { return completion(result) }
            if case .announce = command { return completion(.failure(SignalDropCheck.dropped)) }
            logger.warning(
                "the kernel removed the address but dropped its RM_ADDR (\(counter) rose: another signal was pending): \(command)"
            )
            completion(result)
        }
        // The link's completion never runs inside submit(): the verdict is in before it does.
        let after = readCounters()?[counter]
        guard let before, let after else { return warnOnce() }
        verdict.dropped = after > before
    }

    private func warnOnce() {
        guard !warnedUnreadable else { return }
        warnedUnreadable = true
        logger.warning("cannot read MPTcpExt counters from \(NetstatCounters.path): dropped ADD_ADDRs go unnoticed")
    }

    private final class Verdict {
        var dropped = false
    }
}
