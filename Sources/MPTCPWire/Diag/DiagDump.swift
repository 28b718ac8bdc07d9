import SubflowPolicy
import SubflowSystem

/// The messages of one finished dump, checked: the kernel's error if it refused the dump, a
/// decode error if the answer is malformed or ends early, else the data messages.
public enum DiagDump {
    /// `messages` as `NetlinkSocket.dump` returns them (data, then `NLMSG_DONE` or
    /// `NLMSG_ERROR`). A dump the kernel refused — GET_ADDR with the token of a connection
    /// that uses the in-kernel path manager ends with `NLMSG_DONE` carrying -EINVAL and
    /// "userspace PM not selected" — comes back as `.failure`.
    public static func dataMessages(
        _ messages: [NetlinkMessage]
    ) throws(NetlinkDecodeError) -> Result<[NetlinkMessage], KernelError> {
        guard let last = messages.last else {
            throw NetlinkDecodeError(.invalidValue(nil, value: 0, reason: "empty dump: no NLMSG_DONE"))
        }
        switch try NetlinkReply.decode(last) {
        case .failure(_, let error):
            return .failure(error)
        case .done, .ack:
            return .success(Array(messages.dropLast()))
        case .data:
            throw NetlinkDecodeError(
                .invalidValue(nil, value: Int64(messages.count), reason: "dump ended without NLMSG_DONE"))
        }
    }
}
