import SubflowPolicy

/// Which loaded policy takes a new connection: the first matching rule's, else the default
/// (the first policy loaded).
public struct PolicySelection: Sendable, Hashable {
    public var rules: [PolicyRule]

    public init(rules: [PolicyRule] = []) { self.rules = rules }

    /// The rule that decides `connection`, if any.
    public func rule(for connection: ConnectionState) -> PolicyRule? {
        rules.first { $0.matches(connection) }
    }

    /// Rules naming a policy that is not among `loaded`: a configuration error.
    public func unknownPolicies(loaded: [String]) -> [PolicyRule] {
        rules.filter { !loaded.contains($0.policy) }
    }
}
