import SubflowPolicy
import SubflowSystem

/// What the kernel sends back for a request: an ack, an error, the end of a dump, or data.
///
/// `NLMSG_ERROR` layout: `nlmsghdr` | `int error` (0 or a negative errno) | the request's
/// `nlmsghdr` | the rest of the request unless `NLM_F_CAPPED` is set (always capped for
/// acks, and for errors on sockets with `NETLINK_CAP_ACK`) | extended-ack attributes when
/// `NLM_F_ACK_TLVS` is set (sockets with `NETLINK_EXT_ACK`). Dumps end with `NLMSG_DONE`
/// (payload: `int` status, then possibly extended-ack attributes); the kernel sends no
/// separate ack after a dump even when `NLM_F_ACK` was asked for (seen on 6.18).
public enum NetlinkReply: Sendable, Hashable {
    /// `NLMSG_ERROR` with error 0: the request with this sequence number succeeded.
    case ack(sequence: UInt32)
    /// `NLMSG_ERROR` with a negative errno, or `NLMSG_DONE` with a negative status.
    case failure(sequence: UInt32, KernelError)
    /// `NLMSG_DONE`: the multipart reply (dump) with this sequence number is complete.
    case done(sequence: UInt32)
    /// Anything else: a doit reply, one entry of a dump, `NLMSG_NOOP`.
    case data(NetlinkMessage)

    /// The sequence number of the request this answers.
    public var sequence: UInt32 {
        switch self {
        case .ack(let s), .failure(let s, _), .done(let s): s
        case .data(let m): m.sequence
        }
    }

    /// Classifies one reply message. `KernelError.message` is the extended-ack text
    /// (`NLMSGERR_ATTR_MSG`), e.g. "invalid token"; when the kernel sent no text but named a
    /// missing attribute (`NLMSGERR_ATTR_MISS_TYPE`, e.g. a command without TOKEN), the
    /// message is "missing attribute N".
    public static func decode(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> NetlinkReply {
        switch message.type {
        case NetlinkMessageType.error:
            do {
                return try decodeError(message)
            } catch {
                throw error.within("NLMSG_ERROR")
            }
        case NetlinkMessageType.done:
            do {
                return try decodeDone(message)
            } catch {
                throw error.within("NLMSG_DONE")
            }
        default:
            return .data(message)
        }
    }

    private static func decodeError(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> NetlinkReply {
        let payload = message.payload
        guard payload.count >= 20, let error = HostByteOrder.int32(payload, at: 0),
            let originalLength = HostByteOrder.uint32(payload, at: 4)
        else {
            throw NetlinkDecodeError(.truncatedHeader(what: "struct nlmsgerr", needed: 20, available: payload.count))
        }
        if error == 0 { return .ack(sequence: message.sequence) }
        guard error < 0, error != Int32.min else {
            throw NetlinkDecodeError(
                .invalidValue(nil, value: Int64(error), reason: "error code must be negative or 0"))
        }
        var text: String?
        if message.flags.contains(.ackTLVs) {
            let echoed = message.flags.contains(.capped) ? 16 : (Int(originalLength) + 3) & ~3
            let start = 4 + echoed
            guard echoed >= 16, start <= payload.count else {
                throw NetlinkDecodeError(
                    .messageLengthExceedsData(length: Int(originalLength), available: payload.count - 4),
                    context: ["echoed request"])
            }
            text = try extendedAckText(payload.dropFirst(start))
        }
        return .failure(sequence: message.sequence, KernelError(errno: -error, message: text))
    }

    private static func decodeDone(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> NetlinkReply {
        let payload = message.payload
        guard let status = HostByteOrder.int32(payload, at: 0), status < 0, status != Int32.min else {
            return .done(sequence: message.sequence)
        }
        var text: String?
        if message.flags.contains(.ackTLVs) { text = try extendedAckText(payload.dropFirst(4)) }
        return .failure(sequence: message.sequence, KernelError(errno: -status, message: text))
    }

    /// The extended-ack text, or "missing attribute N" when only a missing type was named.
    static func extendedAckText(_ bytes: ArraySlice<UInt8>) throws(NetlinkDecodeError) -> String? {
        let tlvs: NetlinkAttributes
        do {
            tlvs = try NetlinkAttributes(parsing: bytes)
        } catch {
            throw error.within("extended ack")
        }
        if let text = try tlvs.string(NetlinkExtendedAckAttribute.message, name: "msg") { return text }
        if let missing = try tlvs.u32(NetlinkExtendedAckAttribute.missingType, name: "miss_type") {
            return "missing attribute \(missing)"
        }
        return nil
    }
}

extension NetlinkReply: CustomStringConvertible {
    public var description: String {
        switch self {
        case .ack(let s): "ack seq=\(s)"
        case .failure(let s, let e): "error seq=\(s): \(e)"
        case .done(let s): "done seq=\(s)"
        case .data(let m): "data \(m)"
        }
    }
}
