import SubflowFormats

/// Finds the rules of `nft -j list ruleset` that drop, reject or strip the MPTCP option.
/// What counts (nft 1.0.6 JSON, schema 1): a `match` with `==` whose left side is
/// `{"tcp option": {"name": "mptcp"}}` (`tcp option mptcp exists`, right `true`) or its
/// `subtype` field (right 1: MP_JOIN only; any other subtype: the connection itself), in a
/// rule with a `drop` or `reject` statement; and a `reset` statement of `tcp option mptcp`.
/// Negated matches (`!=`, `missing`) select non-MPTCP packets and are not counted; rules
/// reached by `jump` are judged on their own in their chain.
enum NftRuleset {
    struct ParseError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "nft -j list ruleset: \(reason)" }
    }

    static func mptcpRules(_ json: JSONValue) throws(ParseError) -> [MPTCPFirewallRule] {
        guard let items = json["nftables"]?.arrayValue else {
            throw ParseError(reason: "no top-level \"nftables\" array")
        }
        return items.compactMap { $0["rule"].flatMap(rule) }
    }

    private static func rule(_ rule: JSONValue) -> MPTCPFirewallRule? {
        guard let family = rule["family"]?.stringValue, let table = rule["table"]?.stringValue,
            let chain = rule["chain"]?.stringValue, let handle = rule["handle"]?.intValue,
            let statements = rule["expr"]?.arrayValue
        else { return nil }
        var matchesOption = false
        var matchesJoinOnly = false
        var drops = false
        var strips = false
        var words: [String] = []
        for statement in statements {
            if let match = statement["match"], let option = mptcpOption(match["left"]),
                match["op"]?.stringValue == "=="
            {
                if let field = option["field"]?.stringValue {
                    guard let value = match["right"]?.intValue else { continue }
                    matchesOption = true
                    matchesJoinOnly = field == "subtype" && value == MPTCPOptionNumbers.mpJoinSubtype
                    words.append("tcp option mptcp \(field) \(value)")
                } else if match["right"]?.boolValue == true {
                    matchesOption = true
                    words.append("tcp option mptcp exists")
                }
            } else if statement["drop"] != nil {
                drops = true
                words.append("drop")
            } else if statement["reject"] != nil {
                drops = true
                words.append("reject")
            } else if let reset = statement["reset"], mptcpOption(reset) != nil {
                strips = true
                words.append("reset tcp option mptcp")
            } else if statement["match"] != nil {
                words.append("…")
            }
        }
        let effect: MPTCPFirewallRule.Effect
        if strips {
            effect = .stripsOption
        } else if matchesOption && drops {
            effect = matchesJoinOnly ? .dropsJoin : .dropsMPTCP
        } else {
            return nil
        }
        let location = "\(family) \(table) \(chain) handle \(handle)"
        return MPTCPFirewallRule(
            effect: effect, location: "nft table \(family) \(table) chain \(chain) handle \(handle)",
            text: words.joined(separator: " "), deleteCommand: "nft delete rule \(location)")
    }

    /// The `{"name": "mptcp", ...}` object of a `{"tcp option": ...}` expression.
    private static func mptcpOption(_ expression: JSONValue?) -> JSONValue? {
        guard let option = expression?["tcp option"], option["name"]?.stringValue == "mptcp" else { return nil }
        return option
    }
}
