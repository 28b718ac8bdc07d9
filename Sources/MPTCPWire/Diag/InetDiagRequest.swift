import SubflowSystem

/// A socket dump request: `SOCK_DIAG_BY_FAMILY` with `NLM_F_REQUEST | NLM_F_DUMP` and a
/// `struct inet_diag_req_v2` whose socket ID is all zero (every socket matches).
///
/// The kernel answers with one message per socket of `family` and `protocolNumber` whose state
/// is in `states`, then `NLMSG_DONE`; no ack. A protocol above 255 (MPTCP, 262) is sent in an
/// `INET_DIAG_REQ_PROTOCOL` attribute with `sdiag_protocol` 0, so that a kernel that ignored
/// the attribute would refuse the request rather than dump another protocol.
public struct InetDiagRequest: Sendable, Hashable {
    /// `sdiag_family`: `SockDiag.familyIPv4` or `SockDiag.familyIPv6`.
    public var family: UInt8
    /// `IPPROTO_*`: `SockDiag.protocolTCP`, `SockDiag.protocolMPTCP`.
    public var protocolNumber: UInt32
    /// `idiag_ext`: the extensions to add to each socket (`InetDiagAttribute.requestBit`).
    public var extensions: UInt8
    /// `idiag_states`: bit N set = dump sockets in TCP state N (`1 << TCP_ESTABLISHED`, ...).
    public var states: UInt32

    /// Every state.
    public static let allStates: UInt32 = .max

    public init(family: UInt8, protocolNumber: UInt32, extensions: UInt8, states: UInt32 = InetDiagRequest.allStates) {
        self.family = family
        self.protocolNumber = protocolNumber
        self.extensions = extensions
        self.states = states
    }

    /// The MPTCP sockets (msks) of one family, each with its `struct mptcp_info`.
    public static func mptcpConnections(family: UInt8) -> InetDiagRequest {
        InetDiagRequest(
            family: family, protocolNumber: SockDiag.protocolMPTCP,
            extensions: InetDiagAttribute.requestBit(InetDiagAttribute.info))
    }

    /// The TCP sockets of one family in `states`, each with `struct tcp_info` and, for MPTCP
    /// subflows, the `INET_DIAG_ULP_INFO` nest that `INET_DIAG_INFO` brings along.
    public static func tcpSockets(family: UInt8, states: UInt32) -> InetDiagRequest {
        InetDiagRequest(
            family: family, protocolNumber: SockDiag.protocolTCP,
            extensions: InetDiagAttribute.requestBit(InetDiagAttribute.info), states: states)
    }

    /// The request's bytes with this sequence number.
    public func encode(sequence: UInt32) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: InetDiagRequestLayout.size)
        header[InetDiagRequestLayout.family] = family
        header[InetDiagRequestLayout.protocolNumber] = protocolNumber > 255 ? 0 : UInt8(protocolNumber)
        header[InetDiagRequestLayout.extensions] = extensions
        // idiag_states is a u32 in host order.
        var stateBytes: [UInt8] = []
        HostByteOrder.append(states, to: &stateBytes)
        header.replaceSubrange(InetDiagRequestLayout.states..<InetDiagRequestLayout.states + 4, with: stateBytes)
        var builder = NetlinkMessageBuilder(type: SockDiag.byFamily, flags: [.request, .dump], sequence: sequence)
        builder.putExtraHeader(header)
        if protocolNumber > 255 {
            builder.putU32(InetDiagRequestAttribute.protocolNumber, protocolNumber)
        }
        return builder.finish()
    }
}
