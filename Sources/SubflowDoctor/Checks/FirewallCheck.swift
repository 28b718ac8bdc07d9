import SubflowFormats
import SubflowSystem

/// Firewall rules that drop MPTCP packets, drop MP_JOIN or strip the MPTCP option
/// (failure-mode table F1–F4): `nft -j list ruleset`, and `iptables-save` /
/// `ip6tables-save` (filter and mangle tables) where installed — rules made with the
/// iptables-nft front end show in nft only as an opaque `xt` expression, so both are read.
struct FirewallCheck: DoctorCheck {
    let name = "firewall"
    /// Runs a tool and returns its standard output (a seam: tests stand in for missing or
    /// failing tools).
    var runTool: @Sendable ([String]) -> Result<String, ChildProcess.Failure> = FirewallCheck.output

    func run(on host: HostView) -> CheckOutcome {
        var rules: [MPTCPFirewallRule] = []
        var readSomething = false
        switch runTool(["nft", "-j", "list", "ruleset"]) {
        case .success(let text):
            let json: JSONValue
            do { json = try JSONParser.parse(text) } catch {
                return .skipped("nft -j list ruleset printed invalid JSON: \(error)")
            }
            do { rules += try NftRuleset.mptcpRules(json) } catch { return .skipped("\(error)") }
            readSomething = true
        case .failure(.notInstalled):
            break
        case .failure(let failure):
            return .skipped("cannot read the nftables ruleset: \(failure)")
        }
        for tool in ["iptables", "ip6tables"] {
            for table in ["filter", "mangle"] {
                switch runTool(["\(tool)-save", "-t", table]) {
                case .success(let text):
                    rules += IptablesSave.mptcpRules(text, tool: tool)
                    readSomething = true
                case .failure(.notInstalled): break
                case .failure(let failure): return .skipped("cannot read \(tool) table \(table): \(failure)")
                }
            }
        }
        guard readSomething else { return .skipped("nft is not installed (nor iptables-save)") }
        return .findings(rules.map { finding($0, on: host) })
    }

    private func finding(_ rule: MPTCPFirewallRule, on host: HostView) -> Finding {
        let evidence = [Finding.Evidence(rule.location, rule.text)]
        let fix = host.inNamespace(rule.deleteCommand)
        switch rule.effect {
        case .dropsMPTCP:
            return host.finding(
                "firewall-drops-mptcp", .problem,
                "A firewall rule drops packets carrying the MPTCP option: connections fall back to plain TCP, and after one dropped MP_CAPABLE SYN active opens stay plain TCP for net.mptcp.blackhole_timeout seconds.",
                evidence: evidence,
                fix: fix + clearBlackhole(on: host))
        case .dropsJoin:
            return host.finding(
                "firewall-drops-mp-join", .problem,
                "A firewall rule drops MP_JOIN: connections are MPTCP but can never add a second subflow.",
                evidence: evidence, fix: fix)
        case .stripsOption:
            return host.finding(
                "firewall-strips-mptcp-option", .problem,
                "A firewall rule strips the MPTCP option: connections through it look as if the peer did not speak MPTCP and fall back to plain TCP.",
                evidence: evidence, fix: fix)
        }
    }

    /// Writing net.mptcp.blackhole_timeout again, same value, ends the hour of plain TCP that
    /// one dropped MP_CAPABLE SYN starts (failure-mode fact 2).
    private func clearBlackhole(on host: HostView) -> String {
        guard let timeout = host.sysctl("net.mptcp.blackhole_timeout") else { return "" }
        return "; " + host.inNamespace("sysctl -w net.mptcp.blackhole_timeout=\(timeout)")
    }

    /// A tool's standard output when it ran and exited 0.
    static func output(_ arguments: [String]) -> Result<String, ChildProcess.Failure> {
        do {
            let result = try ChildProcess.run(arguments, timeout: .seconds(5))
            guard result.exitStatus == 0 else {
                let how = result.exitStatus.map { "exit status \($0)" } ?? "killed by a signal"
                return .failure(.system(.refused("run", arguments.joined(separator: " "), "it ended with \(how)")))
            }
            return .success(result.outputText)
        } catch {
            return .failure(error)
        }
    }
}
