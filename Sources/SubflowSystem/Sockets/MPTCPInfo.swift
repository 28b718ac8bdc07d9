import CMNL

/// What `getsockopt(SOL_MPTCP, MPTCP_INFO)` reports about one MPTCP connection.
///
/// The kernel copies `min(optlen, sizeof(kernel struct mptcp_info))` bytes and writes back how
/// many it copied. Debian's <linux/mptcp.h> is the 6.1 header (48 bytes); kernels since 6.5-6.10
/// append retransmission and byte counters, `subflows_total` and last-activity times (96 bytes on
/// 6.18). We ask for the newest layout we know and decode only the fields the kernel returned:
/// the later ones are nil on an older kernel.
public struct MPTCPInfo: Sendable, Hashable {
    /// Additional subflows: joins that are established, NOT counting the initial subflow
    /// (`mptcpi_subflows`, alias `mptcpi_extra_subflows`). `ss -M` prints this as `subflows:`.
    public var extraSubflows: UInt8
    public var addAddrSignal: UInt8
    public var addAddrAccepted: UInt8
    /// `mptcpi_subflows_max` (alias `mptcpi_limit_extra_subflows`).
    public var subflowsMax: UInt8
    public var addAddrSignalMax: UInt8
    public var addAddrAcceptedMax: UInt8
    /// `MPTCP_INFO_FLAG_*` bits: see `isFallback`, `remoteKeyReceived`.
    public var flags: UInt32
    /// The connection's LOCAL token (the one path-manager events carry on this host).
    public var token: UInt32
    public var writeSeq: UInt64
    public var sndUna: UInt64
    public var rcvNxt: UInt64
    public var localAddrUsed: UInt8
    public var localAddrMax: UInt8
    public var checksumEnabled: Bool

    // Fields that the 6.1 header does not have (nil when the kernel returned fewer bytes).
    public var retransmits: UInt32?
    public var bytesRetransmitted: UInt64?
    public var bytesSent: UInt64?
    public var bytesReceived: UInt64?
    public var bytesAcked: UInt64?
    /// All subflows including the initial one, if still present (`mptcpi_subflows_total`, 6.10+).
    public var subflowsTotal: UInt8?
    public var endpointLaminarMax: UInt8?
    public var endpointFullmeshMax: UInt8?
    public var lastDataSentMilliseconds: UInt32?
    public var lastDataReceivedMilliseconds: UInt32?
    public var lastAckReceivedMilliseconds: UInt32?

    /// How many bytes the kernel filled in.
    public var length: Int

    public static let flagFallback: UInt32 = 1 << 0
    public static let flagRemoteKeyReceived: UInt32 = 1 << 1

    public var isFallback: Bool { flags & Self.flagFallback != 0 }
    public var remoteKeyReceived: Bool { flags & Self.flagRemoteKeyReceived != 0 }

    /// Number of TCP subflows of the connection: `subflowsTotal` when the kernel reports it,
    /// otherwise the extra subflows plus the initial one.
    public var subflows: Int {
        if let subflowsTotal { return Int(subflowsTotal) }
        return Int(extraSubflows) + 1
    }

    /// True when every byte written has been acknowledged at the MPTCP (data) level.
    public var allDataAcknowledged: Bool { sndUna == writeSeq }

    // MARK: layout

    /// Offsets of the newest known `struct mptcp_info` (Linux 6.18, uapi/linux/mptcp.h).
    enum Offset {
        static let subflows = 0, addAddrSignal = 1, addAddrAccepted = 2, subflowsMax = 3
        static let addAddrSignalMax = 4, addAddrAcceptedMax = 5
        static let flags = 8, token = 12, writeSeq = 16, sndUna = 24, rcvNxt = 32
        static let localAddrUsed = 40, localAddrMax = 41, csumEnabled = 42
        // ---- end of the 6.1 header's struct (size 48 with padding) ----
        static let retransmits = 44, bytesRetrans = 48, bytesSent = 56, bytesReceived = 64
        static let bytesAcked = 72, subflowsTotal = 80, endpLaminarMax = 81, endpFullmeshMax = 82
        static let lastDataSent = 84, lastDataRecv = 88, lastAckRecv = 92
    }

    /// Size of the newest known layout: what we pass as optlen.
    public static let newestKnownSize = 96

    /// True when the installed header's `struct mptcp_info` agrees with `Offset` on every field it
    /// has. Checked by a unit test so a header change cannot silently shift our decoding.
    public static var installedHeaderAgrees: Bool {
        typealias L = MemoryLayout<mptcp_info>
        return L.offset(of: \mptcp_info.mptcpi_subflows) == Offset.subflows
            && L.offset(of: \mptcp_info.mptcpi_add_addr_signal) == Offset.addAddrSignal
            && L.offset(of: \mptcp_info.mptcpi_add_addr_accepted) == Offset.addAddrAccepted
            && L.offset(of: \mptcp_info.mptcpi_subflows_max) == Offset.subflowsMax
            && L.offset(of: \mptcp_info.mptcpi_add_addr_signal_max) == Offset.addAddrSignalMax
            && L.offset(of: \mptcp_info.mptcpi_add_addr_accepted_max) == Offset.addAddrAcceptedMax
            && L.offset(of: \mptcp_info.mptcpi_flags) == Offset.flags
            && L.offset(of: \mptcp_info.mptcpi_token) == Offset.token
            && L.offset(of: \mptcp_info.mptcpi_write_seq) == Offset.writeSeq
            && L.offset(of: \mptcp_info.mptcpi_snd_una) == Offset.sndUna
            && L.offset(of: \mptcp_info.mptcpi_rcv_nxt) == Offset.rcvNxt
            && L.offset(of: \mptcp_info.mptcpi_local_addr_used) == Offset.localAddrUsed
            && L.offset(of: \mptcp_info.mptcpi_local_addr_max) == Offset.localAddrMax
            && L.offset(of: \mptcp_info.mptcpi_csum_enabled) == Offset.csumEnabled
            && L.size <= newestKnownSize
            && Int(SFD_SOL_MPTCP) == Int(MPTCPSocket.solMPTCP)
            && Int(SFD_IPPROTO_MPTCP) == Int(MPTCPSocket.ipprotoMPTCP)
            && MPTCP_INFO == MPTCPSocket.optionInfo
    }

    /// Decodes the bytes getsockopt returned (host byte order). Nil if shorter than the
    /// original 5.x layout (43 bytes: through `mptcpi_csum_enabled`).
    public init?(bytes: [UInt8]) {
        guard bytes.count > Offset.csumEnabled else { return nil }
        func u8(_ at: Int) -> UInt8 { bytes[at] }
        func u32(_ at: Int) -> UInt32 {
            bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }
        }
        func u64(_ at: Int) -> UInt64 {
            bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt64.self) }
        }
        func has(_ at: Int, _ size: Int) -> Bool { bytes.count >= at + size }

        length = bytes.count
        extraSubflows = u8(Offset.subflows)
        addAddrSignal = u8(Offset.addAddrSignal)
        addAddrAccepted = u8(Offset.addAddrAccepted)
        subflowsMax = u8(Offset.subflowsMax)
        addAddrSignalMax = u8(Offset.addAddrSignalMax)
        addAddrAcceptedMax = u8(Offset.addAddrAcceptedMax)
        flags = u32(Offset.flags)
        token = u32(Offset.token)
        writeSeq = u64(Offset.writeSeq)
        sndUna = u64(Offset.sndUna)
        rcvNxt = u64(Offset.rcvNxt)
        localAddrUsed = u8(Offset.localAddrUsed)
        localAddrMax = u8(Offset.localAddrMax)
        checksumEnabled = u8(Offset.csumEnabled) != 0
        retransmits = has(Offset.retransmits, 4) ? u32(Offset.retransmits) : nil
        bytesRetransmitted = has(Offset.bytesRetrans, 8) ? u64(Offset.bytesRetrans) : nil
        bytesSent = has(Offset.bytesSent, 8) ? u64(Offset.bytesSent) : nil
        bytesReceived = has(Offset.bytesReceived, 8) ? u64(Offset.bytesReceived) : nil
        bytesAcked = has(Offset.bytesAcked, 8) ? u64(Offset.bytesAcked) : nil
        subflowsTotal = has(Offset.subflowsTotal, 1) ? u8(Offset.subflowsTotal) : nil
        endpointLaminarMax = has(Offset.endpLaminarMax, 1) ? u8(Offset.endpLaminarMax) : nil
        endpointFullmeshMax = has(Offset.endpFullmeshMax, 1) ? u8(Offset.endpFullmeshMax) : nil
        lastDataSentMilliseconds = has(Offset.lastDataSent, 4) ? u32(Offset.lastDataSent) : nil
        lastDataReceivedMilliseconds = has(Offset.lastDataRecv, 4) ? u32(Offset.lastDataRecv) : nil
        lastAckReceivedMilliseconds = has(Offset.lastAckRecv, 4) ? u32(Offset.lastAckRecv) : nil
    }
}
