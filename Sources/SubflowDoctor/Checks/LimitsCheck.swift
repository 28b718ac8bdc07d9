import MPTCPWire

/// The in-kernel path manager's limits (failure-mode table L1): with `add_addr_accepted 0`,
/// the default, the addresses the peer announces are dropped and no subflow goes to them.
struct LimitsCheck: DoctorCheck {
    let name = "limits"

    func run(on host: HostView) -> CheckOutcome {
        guard let setting = PathManagerSetting.read(host) else {
            return .skipped("the path manager in force cannot be read (net.mptcp.path_manager, net.mptcp.pm_type)")
        }
        // The limits only govern the in-kernel path manager.
        guard setting.kind == .kernel else { return .clean }
        let limits: MPTCPLimits
        do { limits = try KernelTables.limits(familyID: try KernelTables.mptcpFamily(host).id) } catch {
            return .skipped("\(error)")
        }
        guard let accepted = limits.receivedAddAddrs else {
            return .skipped("GET_LIMITS carried no add_addr_accepted (MPTCP_PM_ATTR_RCV_ADD_ADDRS)")
        }
        guard accepted == 0 else { return .clean }
        let subflows = max(limits.subflows ?? 0, 2)
        return .findings([
            host.finding(
                "add-addr-accepted-zero", .warning,
                """
                The in-kernel path manager accepts no ADD_ADDR (add_addr_accepted 0, the default): the addresses the \
                peer announces are ignored (AddAddr rises, MPJoinSynTx does not) and no subflow goes to them.
                """,
                evidence: [
                    setting.evidence, .init("add_addr_accepted", String(accepted)),
                    .init("subflows", limits.subflows.map(String.init) ?? "absent"),
                ],
                fix: host.inNamespace("ip mptcp limits set subflows \(subflows) add_addr_accepted 2"))
        ])
    }
}
