import MPTCPWire
import SubflowPolicy

/// A subflow bound to its interface D (an endpoint with `dev`, fullmesh, subflowd's IF_IDX)
/// reaches peers beyond D's own prefixes only when a route through D exists: otherwise the
/// kernel's lookup with `oif D` falls back to "the destination is on link" — no gateway — and
/// the SYN waits for a neighbour that never answers (failure-mode table R2). Asks
/// `ip route get PEER from B oif D` for each second-path address B and each peer.
struct BoundSubflowRouteCheck: DoctorCheck {
    let name = "bound-subflow-route"

    func run(on host: HostView) -> CheckOutcome {
        let survey: RoutingSurvey
        do { survey = try RoutingSurvey.of(host) } catch { return .skipped("\(error)") }
        var findings: [Finding] = []
        for source in survey.sources {
            var evidence: [Finding.Evidence] = []
            var firstPeer: RoutingSurvey.Peer?
            let device = survey.routing.name(source.interface)
            for peer in survey.peersBeyond(source) {
                let question = RouteLookup(
                    destination: peer.address, source: source.address, outputInterface: source.interface)
                let answer: Result<RouteMessage, KernelError>
                do { answer = try survey.routing.lookup(question) } catch { return .skipped("\(error)") }
                guard case .success(let route) = answer, route.gateway == nil else { continue }
                evidence.append(
                    .init(
                        "ip route get \(peer.address) from \(source.address) oif \(device) (\(peer.origin))",
                        PerSourceRoutingCheck.describe(route, survey.routing) + " (on-link fallback)"))
                firstPeer = firstPeer ?? peer
            }
            guard let firstPeer else { continue }
            findings.append(
                host.finding(
                    "bound-subflow-without-route", .warning,
                    "A subflow from \(source.address) bound to \(device) has no route to peers beyond \(device)'s own prefixes: the kernel assumes they are on the link and the join never gets an answer.",
                    evidence: [.init("address \(source.address)", "on \(device)")] + evidence,
                    fix: survey.perSourceFix(source, peer: firstPeer, host: host)))
        }
        return .findings(findings)
    }
}
