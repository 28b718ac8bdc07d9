import SubflowFormats

/// One thing doctor found: what is wrong (or worth knowing), the exact values that show it,
/// and the command that fixes it. A finding is never a guess: a check that cannot read what
/// it needs reports itself skipped instead (`SkippedCheck`).
public struct Finding: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable, Comparable, CaseIterable {
        /// MPTCP (or a second path) does not work until this is fixed.
        case problem
        /// It works, but not as well as it could, or it will break in a foreseeable case.
        case warning
        /// Worth knowing; nothing to fix.
        case info

        var rank: Int {
            switch self {
            case .problem: 2
            case .warning: 1
            case .info: 0
            }
        }
        public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
    }

    /// One value read from the host, exactly as read: `net.mptcp.enabled = 0`.
    public struct Evidence: Sendable, Hashable {
        public var what: String
        public var value: String
        public init(_ what: String, _ value: String) { self.what = what; self.value = value }
    }

    /// Stable, kebab-case, documented in docs/troubleshooting.md (e.g. `mptcp-disabled`).
    public var id: String
    public var severity: Severity
    /// One sentence for a person.
    public var summary: String
    public var evidence: [Evidence]
    /// A command to copy that fixes it (nil for information).
    public var fix: String?
    /// The network namespace it was found in (nil: the caller's own).
    public var namespace: String?

    public init(
        id: String, severity: Severity, summary: String, evidence: [Evidence], fix: String? = nil,
        namespace: String? = nil
    ) {
        self.id = id
        self.severity = severity
        self.summary = summary
        self.evidence = evidence
        self.fix = fix
        self.namespace = namespace
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "severity": .string(severity.rawValue), "summary": .string(summary),
            "evidence": .array(evidence.map { ["what": .string($0.what), "value": .string($0.value)] }),
        ]
        object["fix"] = fix.map(JSONValue.string) ?? .null
        object["namespace"] = namespace.map(JSONValue.string) ?? .null
        return .object(object)
    }
}

/// A check that could not be made, and why (not root, a tool missing, a namespace gone).
public struct SkippedCheck: Sendable, Hashable {
    public var check: String
    public var reason: String
    public var namespace: String?
    public init(check: String, reason: String, namespace: String? = nil) {
        self.check = check
        self.reason = reason
        self.namespace = namespace
    }

    public var json: JSONValue {
        ["check": .string(check), "reason": .string(reason), "namespace": namespace.map(JSONValue.string) ?? .null]
    }
}
