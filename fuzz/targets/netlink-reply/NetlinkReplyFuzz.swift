import FuzzSupport
import MPTCPWire
import SubflowSystem

/// What the kernel answers on the command socket: datagram split, NLMSG_ERROR/NLMSG_DONE with
/// extended acks, GET_ADDR and GET_LIMITS data, and a finished dump.
@main
enum NetlinkReplyFuzz {
    static func main() {
        FuzzDriver.run { bytes in
            let messages = FuzzNetlink.messages(bytes)
            for message in messages {
                _ = message.description
                if let reply = try? NetlinkReply.decode(message) {
                    _ = reply.description
                    fuzzCheck(
                        reply.sequence == message.sequence,
                        "reply \(reply) does not carry the message's sequence \(message.sequence)")
                }
                if let entry = try? MPTCPReply.address(message) { _ = entry.description }
                _ = try? MPTCPReply.limits(message)
            }
            if case .success(let data)? = try? DiagDump.dataMessages(messages) {
                fuzzCheck(data.count == messages.count - 1, "a dump's data is every message but the last")
            }
        }
    }
}
