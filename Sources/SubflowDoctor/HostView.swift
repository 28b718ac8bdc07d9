import SubflowSystem

/// What the checks read, in the namespace doctor runs in. One instance per namespace visit:
/// it caches what several checks read (the counters, the sysctls), so a run reads each once.
public final class HostView {
    /// The namespace's name for findings (nil: doctor's own namespace).
    public let namespace: String?
    private var sysctls: [String: String?] = [:]
    private var counterCache: [String: UInt64]?
    private var shared: [String: Any] = [:]

    /// What goes before a fix command to run it in this namespace.
    private let fixPrefix: String?

    /// `fixPrefix` nil: `ip netns exec NAME` for a named namespace, nothing for doctor's own.
    public init(namespace: String?, fixPrefix: String? = nil) {
        self.namespace = namespace
        self.fixPrefix = fixPrefix ?? namespace.map { "ip netns exec \($0)" }
    }

    /// A sysctl of this namespace (`net.mptcp.enabled`), trimmed; nil when it does not exist.
    public func sysctl(_ name: String) -> String? {
        if let cached = sysctls[name] { return cached }
        let value = Sysctl.read(name)
        sysctls[name] = value
        return value
    }

    /// True when this kernel has upstream MPTCP (`/proc/sys/net/mptcp` exists).
    public var hasUpstreamMPTCP: Bool { Files.exists("/proc/sys/net/mptcp") }

    /// The namespace's `MPTcpExt` and `TcpExt` counters, keyed `MPTcpExtBlackhole`,
    /// `TcpExtIPReversePathFilter`, … (looked up by name: the set differs between kernels).
    public func counters() throws(SystemError) -> [String: UInt64] {
        if let counterCache { return counterCache }
        let values = try CounterSnapshot.read().values
        counterCache = values
        return values
    }

    /// What several checks read alike (the routing survey), made once per namespace visit.
    func cached<Value>(_ key: String, _ make: () -> Value) -> Value {
        if let value = shared[key] as? Value { return value }
        let value = make()
        shared[key] = value
        return value
    }

    /// A finding in this namespace.
    public func finding(
        _ id: String, _ severity: Finding.Severity, _ summary: String,
        evidence: [Finding.Evidence], fix: String? = nil
    ) -> Finding {
        Finding(id: id, severity: severity, summary: summary, evidence: evidence, fix: fix, namespace: namespace)
    }

    /// The fix command as it must be typed to act on this namespace (`ip netns exec NAME …`,
    /// `nsenter --net=/proc/PID/ns/net …` for an unnamed one).
    public func inNamespace(_ command: String) -> String {
        fixPrefix.map { "\($0) \(command)" } ?? command
    }
}
