import Foundation

/// The standard topology of the daemon's end-to-end tests: namespaces `client` and `server`
/// joined by one veth pair per path.
///
///     path N (1 = A, 2 = B, 3 = C added at run time, …)
///     client  cli-a  198.18.N.1/24  2001:db8:N::1/64   ⟷   srv-a  198.18.N.2/24  2001:db8:N::2/64  server
///
/// Routing — "a subflow travels on the path of its CLIENT-side address, both ways":
/// - client: for each path N, `ip rule add from 198.18.N.1 lookup 100+N pref 1000+N` and table
///   100+N = `default via 198.18.N.2 dev cli-x` (IPv6 alike: `from 2001:db8:N::1`, via
///   `2001:db8:N::2`). So a subflow from 198.18.2.1 to 198.18.1.2 leaves on path B and reaches
///   the server's path-B interface, which accepts it (Linux's weak host model). Traffic without a
///   bound source follows the main table (connected /24 and /64 routes only).
/// - server: only the connected routes. Replies, and subflows the server opens, are routed by
///   destination — the client address — hence on that address's path, matching the client.
/// No default route on either side: only 198.18.N.0/24 and 2001:db8:N::/64 are reachable.
///
/// Limits (`tbf`) are per path and per direction (both veth ends).
final class TwoPathTopology {
    struct Path: Sendable, CustomStringConvertible {
        /// 1 for A, 2 for B, 3 for C…
        var number: Int
        var letter: String { String(UnicodeScalar(UInt8(96 + number))) }
        var clientInterface: String { "cli-\(letter)" }
        var serverInterface: String { "srv-\(letter)" }
        var clientIPv4: String { "198.18.\(number).1" }
        var serverIPv4: String { "198.18.\(number).2" }
        var clientIPv6: String { "2001:db8:\(number)::1" }
        var serverIPv6: String { "2001:db8:\(number)::2" }
        /// The client's source-routing table for this path.
        var table: Int { 100 + number }
        var rate: String?

        var description: String {
            "path \(letter.uppercased()): \(clientInterface) \(clientIPv4) ⟷ \(serverInterface) \(serverIPv4)"
                + (rate.map { " @\($0)" } ?? "")
        }
    }

    let bed: Testbed
    let client: String
    let server: String
    private(set) var paths: [Path] = []

    var pathA: Path { paths[0] }
    var pathB: Path { paths[1] }

    /// Builds client and server with `pathCount` paths. `rate` limits every path (e.g.
    /// `100mbit`); `clientSysctls`/`serverSysctls` are applied when the namespaces are created,
    /// e.g. `["net.mptcp.path_manager": "userspace"]`.
    init(
        _ bed: Testbed, pathCount: Int = 2, rate: String? = nil,
        clientSysctls: KeyValuePairs<String, String> = [:],
        serverSysctls: KeyValuePairs<String, String> = [:]
    ) throws {
        self.bed = bed
        client = try bed.addNamespace("client", sysctls: clientSysctls)
        server = try bed.addNamespace("server", sysctls: serverSysctls)
        for _ in 0..<pathCount { try addPath(rate: rate) }
    }

    /// Adds the next path (C after A and B) — also while connections are running, to test "a
    /// local address appeared". Returns it.
    @discardableResult
    func addPath(rate: String? = nil) throws -> Path {
        let path = Path(number: paths.count + 1, rate: rate)
        precondition(path.number <= 26)
        try bed.addVethPair(client, path.clientInterface, server, path.serverInterface)
        try bed.addAddress(client, "\(path.clientIPv4)/24", device: path.clientInterface)
        try bed.addAddress(server, "\(path.serverIPv4)/24", device: path.serverInterface)
        try bed.addAddress(client, "\(path.clientIPv6)/64", device: path.clientInterface)
        try bed.addAddress(server, "\(path.serverIPv6)/64", device: path.serverInterface)
        let table = String(path.table), preference = String(1000 + path.number)
        try bed.check(
            client,
            [
                "ip", "-4", "route", "add", "default", "via", path.serverIPv4,
                "dev", path.clientInterface, "table", table,
            ])
        try bed.check(
            client, ["ip", "-4", "rule", "add", "from", path.clientIPv4, "lookup", table, "pref", preference])
        try bed.check(
            client,
            [
                "ip", "-6", "route", "add", "default", "via", path.serverIPv6,
                "dev", path.clientInterface, "table", table,
            ])
        try bed.check(
            client, ["ip", "-6", "rule", "add", "from", path.clientIPv6, "lookup", table, "pref", preference])
        if let rate {
            try bed.setRate(client, device: path.clientInterface, rate: rate)
            try bed.setRate(server, device: path.serverInterface, rate: rate)
        }
        paths.append(path)
        return path
    }

    /// Takes a path's link down or up (both ends), e.g. to test a failing path.
    func setLink(_ path: Path, up: Bool) throws {
        try bed.check(client, ["ip", "link", "set", path.clientInterface, up ? "up" : "down"])
        try bed.check(server, ["ip", "link", "set", path.serverInterface, up ? "up" : "down"])
    }

    var description: String { "\(client) ⟷ \(server)\n" + paths.map { "  \($0)" }.joined(separator: "\n") }
}
