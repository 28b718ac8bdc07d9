import MPTCPWire
import SubflowPolicy

/// The in-kernel path manager's endpoints against the path manager selected and the
/// addresses this namespace has (failure-mode table P4, L3, L4).
struct EndpointsCheck: DoctorCheck {
    let name = "endpoints"

    func run(on host: HostView) -> CheckOutcome {
        guard let setting = PathManagerSetting.read(host), setting.kind != .other else {
            return .skipped("the path manager in force cannot be read (net.mptcp.path_manager, net.mptcp.pm_type)")
        }
        let endpoints: [AddressEntry]
        do { endpoints = try KernelTables.endpoints(familyID: try KernelTables.mptcpFamily(host).id) } catch {
            return .skipped("\(error)")
        }
        let listed = endpoints.map { Finding.Evidence("endpoint", $0.description) }
        if setting.kind == .userspace {
            guard !endpoints.isEmpty else { return .clean }
            return .findings([
                host.finding(
                    "endpoints-ignored-by-userspace-pm", .warning,
                    """
                    \(endpoints.count) in-kernel path-manager endpoint(s) are configured but the userspace path manager \
                    is selected, which ignores them (NetworkManager mptcp-flags or mptcpd addr_adv set them?): \
                    choose one path manager.
                    """,
                    evidence: [setting.evidence] + listed, fix: host.inNamespace("ip mptcp endpoint flush"))
            ])
        }
        let interfaces: KernelRouting
        do { interfaces = try Self.routing(host) } catch { return .skipped("\(error)") }
        var findings = endpoints.compactMap { stale($0, interfaces, endpoints, host, setting) }
        if let missing = noUsableEndpoint(endpoints, interfaces, host, setting) { findings.append(missing) }
        return .findings(findings)
    }

    /// L4: an endpoint whose address no interface here has (renumbered away).
    private func stale(
        _ endpoint: AddressEntry, _ interfaces: KernelRouting, _ endpoints: [AddressEntry], _ host: HostView,
        _ setting: PathManagerSetting
    ) -> Finding? {
        guard let address = endpoint.address, let id = endpoint.id,
            !interfaces.addresses.contains(where: { $0.address == address.unmappedIPv4 ?? address })
        else { return nil }
        var fix = host.inNamespace("ip mptcp endpoint delete id \(id)")
        // Re-add with an address that is here and no endpoint yet, on the same interface if possible.
        let taken = Set(endpoints.compactMap { $0.address.map { $0.unmappedIPv4 ?? $0 } })
        let candidates = interfaces.usableAddresses.filter {
            !taken.contains($0.address) && $0.address.family == address.family
        }
        if let replacement = candidates.first(where: { $0.interface == endpoint.interface }) ?? candidates.first {
            let flags = endpoint.flags.subtracting(.implicit)
            fix +=
                " && "
                + host.inNamespace(
                    "ip mptcp endpoint add \(replacement.address) dev \(interfaces.name(replacement.interface))"
                        + (flags.isEmpty ? "" : " " + flags.description.replacingCommas()))
        }
        return host.finding(
            "stale-endpoint", .problem,
            """
            Endpoint \(id) names \(address), which no interface in this network namespace has (renumbered?): \
            subflows from it fail to bind (MPJoinSynTxBindErr) and the peer may be told of an address it cannot reach.
            """,
            evidence: [setting.evidence, .init("endpoint", endpoint.description)]
                + interfaces.addresses.map {
                    .init("interface address", "\($0.address) dev \(interfaces.name($0.interface))")
                },
            fix: fix)
    }

    /// L3: the in-kernel PM has nothing to open extra subflows from or to announce, while
    /// this namespace has usable addresses of one family on two interfaces (with one, no
    /// endpoint adds a path: a connection's subflows keep its family).
    private func noUsableEndpoint(
        _ endpoints: [AddressEntry], _ interfaces: KernelRouting, _ host: HostView, _ setting: PathManagerSetting
    ) -> Finding? {
        let useful: AddressFlags = [.subflow, .signal]
        guard !endpoints.contains(where: { !$0.flags.isDisjoint(with: useful) }) else { return nil }
        let several = interfaces.secondPathCandidates
        // The example: the last one (dump order: IPv4 first, by interface), the least likely
        // to carry the initial subflow.
        guard let example = several.last(where: { $0.address.family == .ipv4 }) ?? several.last else { return nil }
        return host.finding(
            "no-usable-endpoint", .warning,
            """
            The in-kernel path manager has no endpoint with the subflow or signal flag, so it opens no extra subflow \
            from this namespace's \(several.count) usable addresses and announces none of them: add one endpoint per \
            extra address.
            """,
            evidence: [setting.evidence]
                + (endpoints.isEmpty
                    ? [.init("endpoints", "none")]
                    : endpoints.map {
                        .init("endpoint", $0.description)
                    }) + several.map { .init("usable address", "\($0.address) dev \(interfaces.name($0.interface))") },
            fix: host.inNamespace(
                "ip mptcp endpoint add \(example.address) dev \(interfaces.name(example.interface)) subflow"))
    }
}

extension EndpointsCheck {
    /// The namespace's links and addresses, read once per visit.
    static func routing(_ host: HostView) throws(KernelRouting.Failure) -> KernelRouting {
        let made: Result<KernelRouting, KernelRouting.Failure> = host.cached("kernel-routing") {
            do throws(KernelRouting.Failure) { return .success(try KernelRouting()) } catch { return .failure(error) }
        }
        return try made.get()
    }
}

extension String {
    /// `signal,backup` → `signal backup`, as `ip mptcp endpoint add` takes flags.
    fileprivate func replacingCommas() -> String { split(separator: ",").joined(separator: " ") }
}
