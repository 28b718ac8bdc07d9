import Glibc

/// Where fields sit in `struct tcp_info` (what INET_DIAG_INFO carries for a TCP socket), from
/// the C header so the decoders elsewhere need no literals.
public enum TCPInfoLayout {
    /// `tcpi_rtt`: the smoothed round-trip time in microseconds (u32, host order).
    public static let rttOffset = MemoryLayout<tcp_info>.offset(of: \tcp_info.tcpi_rtt) ?? 68
    public static let rttSize = MemoryLayout<UInt32>.size
}
