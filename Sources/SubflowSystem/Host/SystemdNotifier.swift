import Glibc

/// The sd_notify(3) protocol without libsystemd: one datagram of `KEY=VALUE` lines to the
/// UNIX socket named by $NOTIFY_SOCKET (a leading '@' means the abstract namespace). Does
/// nothing when subflowd does not run under systemd with Type=notify.
public final class SystemdNotifier {
    private let fd: Descriptor?
    private var address = sockaddr_un()
    private var addressLength = socklen_t(0)
    /// Half the watchdog interval systemd asked for (WATCHDOG_USEC), when it asked for one
    /// and meant this process (WATCHDOG_PID).
    public let watchdogIntervalMilliseconds: UInt64?

    public init() {
        var interval: UInt64?
        if let usec = getenv("WATCHDOG_USEC").flatMap({ UInt64(String(cString: $0)) }), usec > 0 {
            let pid = getenv("WATCHDOG_PID").flatMap { Int32(String(cString: $0)) }
            if pid == nil || pid == getpid() { interval = max(usec / 2000, 1) }
        }
        watchdogIntervalMilliseconds = interval
        guard let raw = getenv("NOTIFY_SOCKET") else { fd = nil; return }
        var path = Array(String(cString: raw).utf8)
        guard !path.isEmpty, path.count < MemoryLayout.size(ofValue: address.sun_path) else { fd = nil; return }
        if path[0] == UInt8(ascii: "@") { path[0] = 0 }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in path.enumerated() { buffer[i] = byte }
        }
        addressLength = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        fd = try? descriptorOrErrno(
            system_socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        ).get()
    }

    deinit { fd?.close() }

    public var isActive: Bool { fd != nil }

    /// Sends `KEY=VALUE` lines, e.g. ["READY=1", "STATUS=…"]. Errors are ignored: systemd
    /// being unreachable must not disturb the daemon.
    public func notify(_ lines: [String]) {
        guard let fd else { return }
        let bytes = Array(lines.joined(separator: "\n").utf8)
        _ = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    system_sendto(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL), $0, addressLength)
                }
            }
        }
    }
}
