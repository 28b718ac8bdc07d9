import SubflowFormats

/// Reads and writes sysctls of the current network namespace through /proc/sys.
public enum Sysctl {
    /// `net.mptcp.enabled` → `/proc/sys/net/mptcp/enabled`.
    public static func path(_ name: String) -> String {
        "/proc/sys/" + name.split(separator: ".").joined(separator: "/")
    }

    /// The value with surrounding white space removed, or nil when the sysctl does not exist.
    public static func read(_ name: String) -> String? {
        guard let text = try? TextFile.read(path(name), limit: 4096) else { return nil }
        return String(text.filter { !$0.isWhitespace || $0 == " " }.trimmingWhitespace())
    }

    public static func write(_ name: String, _ value: String) throws(SystemError) {
        try TextFile.write(path(name), value)
    }
}
