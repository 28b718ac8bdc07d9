import Foundation

/// Network namespaces, veth links, addresses, qdiscs and processes for one real-kernel test,
/// and the guarantee that all of it goes away.
///
/// Every namespace is named `sfd-<creating PID>-<6 hex>-<role>` (e.g. `sfd-4711-9c3e0a-client`):
/// unique across concurrent tests and processes, and recognisable as stale once the PID is gone.
/// Interfaces are created directly inside namespaces (`ip -n NS link add … peer … netns NS2`), so
/// their names (≤ 15 characters) never meet the host's or another testbed's.
///
/// Usage: `let bed = try Testbed(); defer { bed.teardown() }`. `teardown()` stops only the
/// processes this testbed started (by PID: SIGTERM, then SIGKILL after a grace period) and
/// deletes every namespace it created (which removes their veths and qdiscs). It is idempotent
/// and also runs from `deinit`.
final class Testbed {
    static let prefix = "sfd-"

    /// `<pid>-<6 hex>`: the part shared by this testbed's namespace names.
    let tag: String
    /// Where background processes' output files go (removed by teardown).
    let workDirectory: URL
    private(set) var namespaces: [String] = []
    private(set) var processes: [BackgroundProcess] = []
    /// Every command run through this testbed, for failure reports.
    private(set) var history: [String] = []
    private(set) var isTornDown = false

    init() throws {
        tag = "\(getpid())-\(String(format: "%06x", UInt32.random(in: 0...0xFF_FFFF)))"
        workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("sfd-testbed-\(tag)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        Self.removeStaleNamespaces()
    }

    deinit { teardown() }

    // MARK: namespaces

    /// Creates namespace `sfd-<tag>-<role>` with loopback up, reverse-path filtering off (the
    /// topologies route asymmetrically on purpose) and the given sysctls (applied in order,
    /// e.g. `["net.mptcp.path_manager": "userspace"]`). Returns the full name.
    @discardableResult
    func addNamespace(_ role: String, sysctls: KeyValuePairs<String, String> = [:]) throws -> String {
        precondition(!role.isEmpty && !role.contains("/") && !role.contains(" "), "bad role \(role)")
        precondition(!isTornDown, "testbed already torn down")
        let name = "\(Self.prefix)\(tag)-\(role)"
        try check(nil, ["ip", "netns", "add", name])
        namespaces.append(name)  // from now on teardown deletes it, whatever fails next
        try check(name, ["ip", "link", "set", "lo", "up"])
        for key in ["net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter"] {
            try sysctl(name, key, "0")
        }
        for (key, value) in sysctls { try sysctl(name, key, value) }
        return name
    }

    /// `sysctl -w key=value` inside `namespace`.
    func sysctl(_ namespace: String, _ key: String, _ value: String) throws {
        try check(namespace, ["sysctl", "-q", "-w", "\(key)=\(value)"])
    }

    /// Reads a sysctl inside `namespace`.
    func readSysctl(_ namespace: String, _ key: String) throws -> String {
        try check(namespace, ["sysctl", "-n", key]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: links, addresses, qdiscs

    /// A veth pair `nameA` (in `namespaceA`) ↔ `nameB` (in `namespaceB`), both up.
    func addVethPair(_ namespaceA: String, _ nameA: String, _ namespaceB: String, _ nameB: String) throws {
        for name in [nameA, nameB] {
            precondition(!name.isEmpty && name.utf8.count <= 15, "interface name '\(name)' must be 1-15 bytes")
        }
        try check(namespaceA, ["ip", "link", "add", nameA, "type", "veth", "peer", "name", nameB, "netns", namespaceB])
        try check(namespaceA, ["ip", "link", "set", nameA, "up"])
        try check(namespaceB, ["ip", "link", "set", nameB, "up"])
    }

    /// Adds `cidr` (e.g. `198.18.1.1/24`, `2001:db8:1::1/64`) to `device`. IPv6 addresses get
    /// `nodad` so they are usable at once. Only 198.18.0.0/15 and 2001:db8::/32 are allowed.
    func addAddress(_ namespace: String, _ cidr: String, device: String) throws {
        precondition(Self.isTestAddress(cidr), "\(cidr) is outside 198.18.0.0/15 and 2001:db8::/32")
        var arguments = ["ip", "address", "add", cidr, "dev", device]
        if cidr.contains(":") { arguments.append("nodad") }
        try check(namespace, arguments)
    }

    /// Limits what `device` sends to `rate` (tc syntax, e.g. `100mbit`) with a token bucket
    /// (`tbf`; sch_netem is not available here). Apply to both ends of a veth for both directions.
    func setRate(
        _ namespace: String, device: String, rate: String, burst: String = "64kb",
        latency: String = "20ms"
    ) throws {
        try check(
            namespace,
            [
                "tc", "qdisc", "replace", "dev", device, "root", "tbf",
                "rate", rate, "burst", burst, "latency", latency,
            ])
    }

    /// True for addresses in the ranges reserved for this project's tests.
    static func isTestAddress(_ text: String) -> Bool {
        let address = text.split(separator: "/").first.map(String.init)?.lowercased() ?? ""
        if address.contains(":") {
            return address.hasPrefix("2001:db8:") || address.hasPrefix("2001:0db8:")
        }
        let octets = address.split(separator: ".").compactMap { UInt8($0) }
        return octets.count == 4 && octets[0] == 198 && (octets[1] == 18 || octets[1] == 19)
    }

    // MARK: commands and processes

    /// Runs a command inside `namespace` (nil: in the test's own namespace) and returns what it
    /// did; does not throw for a non-zero exit.
    @discardableResult
    func run(_ namespace: String?, _ arguments: [String], timeout: Duration = .seconds(30)) throws -> CommandResult {
        let full = Self.inNamespace(namespace, arguments)
        let result = try Command.run(full, timeout: timeout)
        history.append("\(full.joined(separator: " ")) → \(result.status)")
        return result
    }

    /// Like `run`, but throws `CommandFailed` unless the command exits 0.
    @discardableResult
    func check(_ namespace: String?, _ arguments: [String], timeout: Duration = .seconds(30)) throws -> CommandResult {
        let result = try run(namespace, arguments, timeout: timeout)
        guard result.succeeded else { throw CommandFailed(result: result) }
        return result
    }

    /// Starts `arguments` in the background inside `namespace` and remembers it for teardown.
    /// `name` labels its output files (default: the program name and a counter).
    func spawn(_ namespace: String?, _ arguments: [String], name: String? = nil) throws -> BackgroundProcess {
        precondition(!isTornDown, "testbed already torn down")
        let label = name ?? "\(processes.count)-\(URL(fileURLWithPath: arguments[0]).lastPathComponent)"
        let full = Self.inNamespace(namespace, arguments)
        let process = try BackgroundProcess(name: label, arguments: full, directory: workDirectory)
        processes.append(process)
        history.append("spawned pid \(process.pid): \(full.joined(separator: " "))")
        return process
    }

    static func inNamespace(_ namespace: String?, _ arguments: [String]) -> [String] {
        guard let namespace else { return arguments }
        return ["ip", "netns", "exec", namespace] + arguments
    }

    // MARK: teardown

    /// Stops this testbed's processes and deletes its namespaces. Safe to call more than once;
    /// keeps going past individual failures.
    func teardown() {
        guard !isTornDown else { return }
        isTornDown = true
        // SIGTERM everyone first so their grace periods overlap; stop() then waits and SIGKILLs.
        for process in processes where process.isRunning { kill(process.pid, SIGTERM) }
        for process in processes { process.stop(grace: .seconds(2)) }
        for name in namespaces.reversed() {
            _ = try? Command.run(["ip", "netns", "delete", name], timeout: .seconds(10))
        }
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// Text for a failure report: the processes and their output, then the command history.
    var diagnostics: String {
        (processes.map(\.description) + ["commands:"] + history).joined(separator: "\n")
    }

    // MARK: stale namespaces

    /// Names of every network namespace on the machine (`ip netns list`).
    static func allNamespaces() -> [String] {
        guard let result = try? Command.run(["ip", "netns", "list"], timeout: .seconds(10)) else { return [] }
        return result.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// The creating PID encoded in a testbed namespace name, or nil for other names.
    static func creatorPID(of namespace: String) -> Int32? {
        guard namespace.hasPrefix(prefix) else { return nil }
        return namespace.dropFirst(prefix.count).split(separator: "-").first.flatMap { Int32($0) }
    }

    /// Deletes `sfd-<pid>-…` namespaces whose creating process no longer exists (left by a test
    /// run that crashed or was killed). Namespaces of live processes (including this one) are
    /// untouched. Processes still running inside a stale namespace are reported, not killed,
    /// unless `killLeftoverProcesses` (they were started by the dead test process).
    @discardableResult
    static func removeStaleNamespaces(killLeftoverProcesses: Bool = false) -> [String] {
        var removed: [String] = []
        for name in allNamespaces() {
            guard let pid = creatorPID(of: name), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let leftovers =
                (try? Command.run(["ip", "netns", "pids", name], timeout: .seconds(10)))?.stdout
                .split(separator: "\n").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) } ?? []
            if !leftovers.isEmpty {
                if killLeftoverProcesses {
                    for leftover in leftovers { kill(leftover, SIGKILL) }
                } else {
                    FileHandle.standardError.write(
                        Data(
                            "testbed: stale namespace \(name) still holds PIDs \(leftovers) (not killed)\n".utf8))
                }
            }
            if (try? Command.run(["ip", "netns", "delete", name], timeout: .seconds(10)))?.succeeded == true {
                removed.append(name)
            }
        }
        return removed
    }
}
