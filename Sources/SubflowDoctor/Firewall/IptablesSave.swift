/// Finds the rules of `iptables-save` / `ip6tables-save` output that drop, reject or strip the
/// MPTCP option (kind 30): `-m tcp --tcp-option 30 -j DROP|REJECT` (F1) and
/// `-j TCPOPTSTRIP --strip-options` listing 30 (F2, F3). iptables-save prints option numbers,
/// never names; `! --tcp-option 30` selects non-MPTCP packets and is not counted.
enum IptablesSave {
    /// `tool` is `iptables` or `ip6tables`: it names the delete command.
    static func mptcpRules(_ text: String, tool: String) -> [MPTCPFirewallRule] {
        var table = "filter"
        var found: [MPTCPFirewallRule] = []
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("*") {
                table = String(line.dropFirst())
                continue
            }
            guard line.hasPrefix("-A ") else { continue }
            let words = line.split(separator: " ").map(String.init)
            guard let effect = effect(of: words) else { continue }
            found.append(
                MPTCPFirewallRule(
                    effect: effect, location: "\(tool) -t \(table) chain \(words[1])", text: line,
                    deleteCommand: "\(tool) -t \(table) -D" + line.dropFirst(2)))
        }
        return found
    }

    private static func effect(of words: [String]) -> MPTCPFirewallRule.Effect? {
        let option = String(MPTCPOptionNumbers.mptcpOptionKind)
        let target = value(after: "-j", in: words)
        if target == "TCPOPTSTRIP",
            let list = value(after: "--strip-options", in: words),
            list.split(separator: ",").contains(where: { $0 == option || $0.lowercased() == "mptcp" })
        {
            return .stripsOption
        }
        guard target == "DROP" || target == "REJECT", let index = words.firstIndex(of: "--tcp-option"),
            index + 1 < words.count, words[index + 1] == option
        else { return nil }
        if index > 0 && words[index - 1] == "!" { return nil }
        return .dropsMPTCP
    }

    private static func value(after flag: String, in words: [String]) -> String? {
        guard let index = words.firstIndex(of: flag), index + 1 < words.count else { return nil }
        return words[index + 1]
    }
}
