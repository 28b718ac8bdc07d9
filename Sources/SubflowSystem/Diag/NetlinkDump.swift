import Glibc

/// Why a synchronous dump did not complete.
public enum NetlinkDumpError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A system call failed (sendto, recvfrom, poll).
    case system(SystemError)
    /// No `NLMSG_DONE`/`NLMSG_ERROR` for the request within the time limit.
    case timedOut(milliseconds: Int32, messagesSoFar: Int)
    /// The kernel dropped part of the answer (ENOBUFS: the receive buffer overflowed).
    case overrun
    /// A datagram could not be split into netlink messages.
    case malformed(NetlinkDecodeError)

    public var description: String {
        switch self {
        case .system(let error): "\(error)"
        case .timedOut(let ms, let count): "no end of dump within \(ms) ms (\(count) messages received)"
        case .overrun: "the kernel dropped part of the dump (netlink receive buffer overrun)"
        case .malformed(let error): "malformed dump datagram: \(error)"
        }
    }
}

extension NetlinkSocket {
    /// Opens a `NETLINK_SOCK_DIAG` socket: what `ss` uses to list sockets.
    public static func sockDiag() throws(SystemError) -> NetlinkSocket {
        try NetlinkSocket(protocol: NetlinkProtocolNumber.sockDiag, receiveBufferBytes: 1 << 20)
    }

    /// Sends `request` (a dump, or any request that ends with `NLMSG_DONE` or `NLMSG_ERROR`)
    /// and waits — blocking the calling thread for at most `timeoutMilliseconds` in all — for
    /// its whole answer. Returns every message carrying the request's sequence number, the
    /// final `NLMSG_DONE`/`NLMSG_ERROR` included; what they mean is the codec's business.
    /// Messages with other sequence numbers (late answers to earlier requests) are skipped.
    ///
    /// For start-up work on a socket of its own (the event loop is not serving this socket):
    /// the kernel builds a dump a datagram at a time as it is read, so a dump of thousands of
    /// sockets takes a few milliseconds.
    public func dump(_ request: [UInt8], timeoutMilliseconds: Int32 = 2000) throws(NetlinkDumpError) -> [NetlinkMessage]
    {
        let sequence = HostByteOrder.uint32(request[...], at: 8) ?? 0
        do { try send(request) } catch { throw .system(error) }
        var messages: [NetlinkMessage] = []
        let deadline = MonotonicClock.now.advanced(by: .milliseconds(max(0, timeoutMilliseconds)))
        while true {
            let received: Receive
            do { received = try receive() } catch { throw .system(error) }
            switch received {
            case .overrun:
                throw .overrun
            case .datagram(let bytes):
                let parts: [NetlinkMessage]
                do { parts = try NetlinkDatagram.split(bytes) } catch { throw .malformed(error) }
                for message in parts where message.sequence == sequence {
                    messages.append(message)
                    if message.type == NetlinkMessageType.done || message.type == NetlinkMessageType.error {
                        return messages
                    }
                }
            case .empty:
                guard MonotonicClock.now < deadline else {
                    throw .timedOut(milliseconds: timeoutMilliseconds, messagesSoFar: messages.count)
                }
                try waitReadable(until: deadline)
            }
        }
    }

    /// poll(2) for input on this socket; returns on input or at the deadline.
    private func waitReadable(until deadline: MonotonicClock.Instant) throws(NetlinkDumpError) {
        var entry = [pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)]
        if case .failure(let error) = PollWait.poll(&entry, until: deadline) {
            throw .system(SystemError(operation: "poll(netlink)", errno: error))
        }
    }
}
