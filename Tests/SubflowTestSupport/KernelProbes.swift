import Foundation

/// One TCP subflow socket of an MPTCP connection, as `ss -tni` shows it (lines whose details
/// carry `tcp-ulp-mptcp`).
struct KernelSubflow: Hashable, Sendable, CustomStringConvertible {
    var state: String
    var localAddress: String
    var localPort: Int
    /// Set when the socket is bound to a device (`198.18.2.1%cli-b:40000`).
    var device: String?
    var remoteAddress: String
    var remotePort: Int
    /// The connection's token on this host (`token:REM(id:R)/LOC(id:L)` → LOC), if shown.
    var localToken: UInt32?
    var remoteToken: UInt32?
    var localID: Int?
    var remoteID: Int?
    /// `flags:` text, e.g. `Mmec` (M: MP_CAPABLE, J: MP_JOIN, …).
    var flags: String?
    /// TCP-level counters of this subflow (`bytes_acked:`, `bytes_received:`), if shown.
    var bytesAcked: UInt64?
    var bytesReceived: UInt64?

    var isEstablished: Bool { state == "ESTAB" }

    /// `198.18.2.1:40000 → 198.18.1.2:5201`.
    var fourTuple: String { "\(localAddress):\(localPort) → \(remoteAddress):\(remotePort)" }
    var description: String {
        "\(state) \(fourTuple)" + (device.map { " dev \($0)" } ?? "") + (flags.map { " \($0)" } ?? "")
    }
}

/// One MPTCP socket as `ss -nMi` shows it.
struct KernelMPTCPConnection: Sendable, CustomStringConvertible {
    var state: String
    var localAddress: String
    var localPort: Int
    var remoteAddress: String
    var remotePort: Int
    /// Every `key:value` of the details line (bare words such as `remote_key` map to "").
    var fields: [String: String]

    /// Established joins, NOT counting the initial subflow (`subflows:`; ss omits it when 0).
    var extraSubflows: Int { fields["subflows"].flatMap { Int($0) } ?? 0 }
    var token: UInt32? { fields["token"].flatMap { UInt32($0, radix: 16) } }
    var description: String { "\(state) \(localAddress):\(localPort) → \(remoteAddress):\(remotePort) \(fields)" }
}

/// Reads the truth from the kernel (not from the daemon) inside a namespace.
enum KernelProbe {
    /// TCP subflows of MPTCP connections in `namespace` (`ss -tni`, any non-listening state).
    static func subflows(_ bed: Testbed, in namespace: String) throws -> [KernelSubflow] {
        let output = try bed.check(namespace, ["ss", "-t", "-n", "-i"]).stdout
        return parseSocketBlocks(output).compactMap { head, details in
            guard details.contains("tcp-ulp-mptcp") else { return nil }
            var subflow = KernelSubflow(
                state: head.state, localAddress: head.local.address, localPort: head.local.port,
                device: head.local.device, remoteAddress: head.remote.address,
                remotePort: head.remote.port)
            for word in details.split(separator: " ") {
                if word.hasPrefix("bytes_acked:") { subflow.bytesAcked = UInt64(word.dropFirst(12)) }
                if word.hasPrefix("bytes_received:") { subflow.bytesReceived = UInt64(word.dropFirst(15)) }
            }
            let ulp = details.components(separatedBy: "tcp-ulp-mptcp").last ?? ""
            for word in ulp.split(separator: " ") {
                if word.hasPrefix("flags:") { subflow.flags = String(word.dropFirst(6)) }
                if word.hasPrefix("token:") {
                    // token:REMOTE(id:R)/LOCAL(id:L)
                    let halves = word.dropFirst(6).split(separator: "/")
                    func split(_ text: Substring) -> (UInt32?, Int?) {
                        let token = text.prefix { $0 != "(" }
                        let id = text.split(separator: ":").last.map { $0.filter(\.isNumber) }
                        return (UInt32(token, radix: 16), id.flatMap { Int($0) })
                    }
                    if halves.count == 2 {
                        (subflow.remoteToken, subflow.remoteID) = split(halves[0])
                        (subflow.localToken, subflow.localID) = split(halves[1])
                    }
                }
            }
            return subflow
        }
    }

    /// Established subflows, optionally only those of the connection with this local token.
    static func establishedSubflows(
        _ bed: Testbed, in namespace: String, token: UInt32? = nil
    ) throws -> [KernelSubflow] {
        try subflows(bed, in: namespace).filter { $0.isEstablished && (token == nil || $0.localToken == token) }
    }

    /// MPTCP sockets in `namespace` (`ss -nMi`, non-listening).
    static func connections(_ bed: Testbed, in namespace: String) throws -> [KernelMPTCPConnection] {
        let output = try bed.check(namespace, ["ss", "-M", "-n", "-i"]).stdout
        return parseSocketBlocks(output).map { head, details in
            var fields: [String: String] = [:]
            for word in details.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                if let colon = word.firstIndex(of: ":") {
                    fields[String(word[..<colon])] = String(word[word.index(after: colon)...])
                } else {
                    fields[String(word)] = ""
                }
            }
            return KernelMPTCPConnection(
                state: head.state, localAddress: head.local.address, localPort: head.local.port,
                remoteAddress: head.remote.address, remotePort: head.remote.port, fields: fields)
        }
    }

    /// MIB counters of `namespace` (`nstat -asz`: absolute, zeros included, history untouched),
    /// e.g. `MPTcpExtMPJoinSynAckRx`.
    static func counters(_ bed: Testbed, in namespace: String) throws -> [String: UInt64] {
        let output = try bed.check(namespace, ["nstat", "-a", "-s", "-z"]).stdout
        var counters: [String: UInt64] = [:]
        for line in output.split(separator: "\n") where !line.hasPrefix("#") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if words.count >= 2, let value = UInt64(words[1]) { counters[String(words[0])] = value }
        }
        return counters
    }

    static func counter(_ name: String, _ bed: Testbed, in namespace: String) throws -> UInt64 {
        try counters(bed, in: namespace)[name] ?? 0
    }

    // MARK: ss output

    struct Endpoint { var address: String; var port: Int; var device: String? }
    struct SocketHead { var state: String; var local: Endpoint; var remote: Endpoint }

    /// Splits ss output into (socket line, its indented detail lines joined). ss prints one
    /// line per socket starting with the state, followed by lines starting with whitespace.
    static func parseSocketBlocks(_ output: String) -> [(SocketHead, String)] {
        var blocks: [(SocketHead, String)] = []
        var current: SocketHead?
        var details = ""
        func flush() {
            if let current { blocks.append((current, details)) }
            current = nil
            details = ""
        }
        for line in output.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.first == " " || line.first == "\t" {
                details += " " + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            flush()
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            // State Recv-Q Send-Q Local:Port Peer:Port [Process]
            guard words.count >= 5, words[0] != "State", words[0] != "Netid",
                let local = parseEndpoint(words[3]), let remote = parseEndpoint(words[4])
            else { continue }
            current = SocketHead(state: words[0], local: local, remote: remote)
        }
        flush()
        return blocks
    }

    /// `198.18.1.1:5201`, `198.18.2.1%cli-b:40000`, `[2001:db8:1::1]:5201`, `[::ffff:198.18.1.1]:80`.
    static func parseEndpoint(_ text: String) -> Endpoint? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        var host = String(text[..<colon])
        var device: String?
        if let percent = host.firstIndex(of: "%") {
            device = String(host[host.index(after: percent)...])
            host = String(host[..<percent])
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let percent = host.firstIndex(of: "%") { host = String(host[..<percent]) }  // [fe80::1%eth0]
        return Endpoint(address: host, port: port, device: device)
    }
}

// MARK: - waiting

/// A wait-until that ran out of time, with what was last observed.
struct WaitTimedOut: Error, CustomStringConvertible {
    var what: String
    var timeout: Duration
    var lastSeen: String
    var description: String { "timed out after \(timeout) waiting for \(what); last seen: \(lastSeen)" }
}

/// Polls `observe` every `interval` (default 50 ms) until `condition` holds for what it returned,
/// and returns that value; throws `WaitTimedOut` with the last observation (or the last error
/// `observe` threw) after `timeout` × `WaitScale.factor`.
///
/// The timeouts written in tests are what an idle machine needs; the factor (default 4, or
/// `$SUBFLOWD_TEST_WAIT_SCALE`) makes them hold on a loaded two-core machine too. A wait on
/// state returns as soon as the state is reached, so the factor costs time only on failure.
@discardableResult
func waitUntil<T>(
    _ what: String, timeout: Duration = .seconds(5), interval: Duration = .milliseconds(50),
    observe: () throws -> T, until condition: (T) -> Bool
) throws -> T {
    let clock = ContinuousClock()
    let timeout = timeout * WaitScale.factor
    let deadline = clock.now.advanced(by: timeout)
    var lastSeen = "nothing yet"
    while true {
        do {
            let value = try observe()
            if condition(value) { return value }
            lastSeen = String(describing: value)
        } catch {
            lastSeen = "error: \(error)"
        }
        if clock.now >= deadline { throw WaitTimedOut(what: what, timeout: timeout, lastSeen: lastSeen) }
        let (seconds, attoseconds) = interval.components
        usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
    }
}

/// How much longer than written the tests' state waits may take (see `waitUntil`).
enum WaitScale {
    static let factor: Int = {
        let text = ProcessInfo.processInfo.environment["SUBFLOWD_TEST_WAIT_SCALE"] ?? ""
        return Int(text).map { max(1, $0) } ?? 4
    }()
}
