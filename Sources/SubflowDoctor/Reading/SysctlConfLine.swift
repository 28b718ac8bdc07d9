import SubflowFormats

/// One line of a sysctl.conf / sysctl.d file (sysctl.d(5)): `key = value`, with `#` or `;`
/// comments, an optional leading `-` (ignore failures), and keys written with `/` instead
/// of `.` (`net/mptcp/enabled`).
struct SysctlConfLine: Equatable {
    /// The key with `.` separators: `net.mptcp.mptcp_enabled`.
    var key: String
    var value: String

    /// Nil for blank lines, comments and lines without `=`.
    init?(_ line: Substring) {
        let text = line.trimmingWhitespace()
        guard let first = text.first, first != "#", first != ";", let equals = text.firstIndex(of: "=") else {
            return nil
        }
        var key = text[..<equals].trimmingWhitespace()
        if key.hasPrefix("-") { key = key.dropFirst().trimmingWhitespace() }
        guard !key.isEmpty else { return nil }
        // sysctl.d(5): when the first separator is "/", "/" and "." swap roles.
        if let separator = key.first(where: { $0 == "." || $0 == "/" }), separator == "/" {
            key = Substring(String(key.map { $0 == "/" ? "." : $0 == "." ? "/" : $0 }))
        }
        self.key = String(key)
        value = String(text[text.index(after: equals)...].trimmingWhitespace())
    }

    /// The prefix of the out-of-tree multipath-tcp.org kernel's names, which upstream lacks.
    static let outOfTreePrefix = "net.mptcp.mptcp_"

    var isOutOfTree: Bool { key.hasPrefix(Self.outOfTreePrefix) }

    /// The upstream line that does what this out-of-tree one meant, nil when upstream has no
    /// such setting (the line is then only to be deleted).
    var upstreamReplacement: String? {
        switch key.dropFirst(Self.outOfTreePrefix.count) {
        // Out-of-tree 2 meant "only for applications that ask": upstream MPTCP is always opt-in.
        case "enabled": "net.mptcp.enabled = \(value == "0" ? "0" : "1")"
        // Numbers only: the value goes into a shell command (the fix).
        case "checksum": UInt8(value).map { "net.mptcp.checksum_enabled = \($0 == 0 ? 0 : 1)" }
        case "syn_retries": UInt8(value).map { "net.mptcp.syn_retrans_before_tcp_fallback = \($0)" }
        // fullmesh, ndiffports, binder: upstream has the in-kernel PM (endpoints) or userspace.
        case "path_manager": "net.mptcp.path_manager = kernel"
        // roundrobin, redundant, blest: upstream ships only "default".
        case "scheduler": "net.mptcp.scheduler = default"
        default: nil
        }
    }
}
