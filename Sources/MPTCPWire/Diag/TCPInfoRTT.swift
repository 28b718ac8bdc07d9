import SubflowSystem

extension InetDiagSocket {
    /// The smoothed RTT from the socket's `struct tcp_info` (INET_DIAG_INFO), in microseconds;
    /// nil when the dump did not carry it or it is too short.
    public var smoothedRTTMicroseconds: UInt32? {
        guard let info = attributes[type: InetDiagAttribute.info] else { return nil }
        let payload = info.payload
        let start = payload.startIndex + TCPInfoLayout.rttOffset
        guard payload.count >= TCPInfoLayout.rttOffset + TCPInfoLayout.rttSize else { return nil }
        return payload[start..<start + TCPInfoLayout.rttSize].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }
}

extension InetDiagRequest {
    /// TCP states that can carry an MPTCP subflow context: all but LISTEN, TIME_WAIT and
    /// NEW_SYN_RECV.
    public static let subflowStates: UInt32 =
        allStates & ~(TCPState.listen.mask | TCPState.timeWait.mask | TCPState.newSynReceived.mask)
}
