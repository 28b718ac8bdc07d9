import SubflowFormats
import SubflowPolicy

/// `--set` values grouped per policy: `POLICY.KEY=VALUE` goes to POLICY, a bare `KEY=VALUE`
/// to the default (first) policy.
public enum PolicySettingAssignment {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public static func group(_ assignments: [String], policies: [String]) throws(Invalid) -> [String: PolicySettings] {
        var grouped: [String: [String: String]] = [:]
        for assignment in assignments {
            let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw Invalid(description: "--set \(excerpt: assignment): expected [POLICY.]KEY=VALUE")
            }
            var key = String(parts[0])
            var policy = policies.first ?? ""
            if let dot = key.firstIndex(of: ".") {
                policy = String(key[..<dot])
                key = String(key[key.index(after: dot)...])
                guard policies.contains(policy) else {
                    throw Invalid(
                        description:
                            "--set \(excerpt: assignment): policy '\(excerpt: policy)' is not loaded (loaded: \(policies.joined(separator: ", ")))"
                    )
                }
            }
            grouped[policy, default: [:]][key] = String(parts[1])
        }
        return grouped.mapValues(PolicySettings.init)
    }
}
