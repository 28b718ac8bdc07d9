/// A firewall rule that breaks MPTCP, as read from `nft -j list ruleset` or `iptables-save`.
struct MPTCPFirewallRule: Sendable, Hashable {
    enum Effect: Sendable, Hashable {
        /// Drops or rejects packets carrying any MPTCP option (failure mode F1).
        case dropsMPTCP
        /// Drops or rejects MP_JOIN (option subtype 1): only the extra subflows die (F4).
        case dropsJoin
        /// Removes the MPTCP option and lets the packet through (F2, F3).
        case stripsOption
    }

    var effect: Effect
    /// Where it is, as the tool names it: `inet filt output handle 3`, `iptables -t mangle`.
    var location: String
    /// The rule as a person reads it (nft syntax, or the iptables-save line).
    var text: String
    /// The command that deletes exactly this rule.
    var deleteCommand: String
}
