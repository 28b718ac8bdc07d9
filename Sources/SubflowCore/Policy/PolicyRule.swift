import SubflowFormats
import SubflowPolicy

/// One policy-selection rule: `SELECTOR… => POLICY`. A new connection goes to the policy of
/// the first rule whose every selector matches it, else to the default policy.
///
/// Selectors (all optional, all must match):
///   side=client|server      which end this host is
///   remote=PREFIX           the peer's initial address, e.g. 198.18.0.0/15 or 2001:db8::/32
///   local=PREFIX            this host's initial address
///   remote-port=N[-M]       the peer's initial port (a number or an inclusive range)
///   local-port=N[-M]        this host's initial port (on a server: the listening port)
///
/// Example: `side=server local-port=443 => signal-per-interface`.
public struct PolicyRule: Hashable, Sendable, CustomStringConvertible {
    public var side: ConnectionSide?
    public var remote: IPPrefix?
    public var local: IPPrefix?
    public var remotePorts: ClosedRange<UInt16>?
    public var localPorts: ClosedRange<UInt16>?
    public var policy: String
    /// The text the rule was parsed from, for messages.
    public var text: String

    public func matches(_ connection: ConnectionState) -> Bool {
        if let side, connection.side != side { return false }
        if let remote, !remote.contains(connection.remote.address) { return false }
        if let local, !local.contains(connection.local.address) { return false }
        if let remotePorts, !remotePorts.contains(connection.remote.port) { return false }
        if let localPorts, !localPorts.contains(connection.local.port) { return false }
        return true
    }

    public var description: String { text }

    /// Parses `SELECTOR… => POLICY`; errors say what is wrong and what would be right.
    public init(parsing text: String) throws(PolicyRuleError) {
        self.text = text
        let halves = text.split(separator: "=>", omittingEmptySubsequences: false)
        guard halves.count == 2 else {
            throw PolicyRuleError(
                text, "expected 'SELECTOR... => POLICY', e.g. 'side=server local-port=443 => signal-per-interface'")
        }
        policy = String(halves[1].trimmingWhitespace())
        guard !policy.isEmpty, !policy.contains(" ") else {
            throw PolicyRuleError(text, "expected exactly one policy name after '=>'")
        }
        let selectors = halves[0].split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard !selectors.isEmpty else {
            throw PolicyRuleError(
                text,
                "a rule needs at least one selector (side=, remote=, local=, remote-port=, local-port=); the default policy covers everything else"
            )
        }
        for selector in selectors {
            let parts = selector.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw PolicyRuleError(text, "'\(excerpt: selector)' is not KEY=VALUE") }
            let value = String(parts[1])
            switch parts[0] {
            case "side":
                guard let s = ConnectionSide(rawValue: value) else {
                    throw PolicyRuleError(text, "side=\(excerpt: value): expected side=client or side=server")
                }
                side = s
            case "remote":
                guard let p = IPPrefix(value) else {
                    throw PolicyRuleError(
                        text,
                        "remote=\(excerpt: value): expected an address or prefix such as 198.18.0.0/15 or 2001:db8::/32"
                    )
                }
                remote = p
            case "local":
                guard let p = IPPrefix(value) else {
                    throw PolicyRuleError(
                        text,
                        "local=\(excerpt: value): expected an address or prefix such as 198.18.0.0/15 or 2001:db8::/32")
                }
                local = p
            case "remote-port":
                guard let r = PolicyRule.ports(value) else {
                    throw PolicyRuleError(
                        text, "remote-port=\(excerpt: value): expected a port (1-65535) or a range such as 8000-8999")
                }
                remotePorts = r
            case "local-port":
                guard let r = PolicyRule.ports(value) else {
                    throw PolicyRuleError(
                        text, "local-port=\(excerpt: value): expected a port (1-65535) or a range such as 8000-8999")
                }
                localPorts = r
            default:
                throw PolicyRuleError(
                    text, "unknown selector '\(excerpt: parts[0])': use side, remote, local, remote-port or local-port")
            }
        }
    }

    private static func ports(_ text: String) -> ClosedRange<UInt16>? {
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false).map { UInt16($0) }
        switch bounds.count {
        case 1: return bounds[0].map { $0...$0 }
        case 2:
            guard let low = bounds[0], let high = bounds[1], low <= high else { return nil }
            return low...high
        default: return nil
        }
    }
}

public struct PolicyRuleError: Error, Hashable, Sendable, CustomStringConvertible {
    public var rule: String
    public var problem: String
    init(_ rule: String, _ problem: String) { self.rule = rule; self.problem = problem }
    public var description: String { "rule '\(excerpt: rule)': \(problem)" }
}

/// An address prefix such as 198.18.0.0/15; a bare address is a /32 or /128.
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var length: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
        let maximum = address.family == .ipv4 ? 32 : 128
        let length = parts.count == 2 ? Int(parts[1]) : maximum
        guard let length, (0...maximum).contains(length) else { return nil }
        self.address = address
        self.length = length
    }

    /// True if `candidate` lies in the prefix. An IPv4 prefix also matches the v4-mapped form.
    public func contains(_ candidate: IPAddress) -> Bool {
        let other = (address.family == .ipv4 ? candidate.unmappedIPv4 : nil) ?? candidate
        guard other.family == address.family else { return false }
        let a = address.bytes, b = other.bytes
        var remaining = length
        for i in a.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a[i] & mask != b[i] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String { "\(address)/\(length)" }
}
