import MPTCPWire
import SubflowPolicy

/// Does a subflow from each usable address leave through that address's interface?
/// (failure-mode table R1, fact 3: without per-source routing a subflow from the second
/// address leaves through the first interface and the second path carries nothing.)
/// Asks the kernel `ip route get PEER from B` for each second-path address B and each peer
/// (RoutingSurvey). A problem when no peer is reached through B's interface (the path is
/// useless), a warning when only some are not.
struct PerSourceRoutingCheck: DoctorCheck {
    let name = "per-source-routing"

    func run(on host: HostView) -> CheckOutcome {
        let survey: RoutingSurvey
        do { survey = try RoutingSurvey.of(host) } catch { return .skipped("\(error)") }
        var findings: [Finding] = []
        for source in survey.sources {
            let peers = survey.peersBeyond(source)
            var evidence: [Finding.Evidence] = []
            var astray: [(RoutingSurvey.Peer, RouteMessage)] = []
            for peer in peers {
                let question = RouteLookup(destination: peer.address, source: source.address)
                let answer: Result<RouteMessage, KernelError>
                do { answer = try survey.routing.lookup(question) } catch { return .skipped("\(error)") }
                guard case .success(let route) = answer else { continue }
                let what = "ip route get \(peer.address) from \(source.address) (\(peer.origin))"
                evidence.append(.init(what, Self.describe(route, survey.routing)))
                if route.outputInterface != source.interface { astray.append((peer, route)) }
            }
            guard let (peer, _) = astray.first else { continue }
            let device = survey.routing.name(source.interface)
            let useless = astray.count == evidence.count
            findings.append(
                host.finding(
                    "no-per-source-routing", useless ? .problem : .warning,
                    useless
                        ? "Subflows from \(source.address) leave through another interface than \(device): the path through \(device) carries nothing new."
                        : "Subflows from \(source.address) to some peers leave through another interface than \(device).",
                    evidence: [.init("address \(source.address)", "on \(device)")] + evidence,
                    fix: survey.perSourceFix(source, peer: peer, host: host)))
        }
        return .findings(findings)
    }

    /// `dev cli-a via 198.18.1.2 src 198.18.2.1 table 254`, as `ip route get` prints it.
    static func describe(_ route: RouteMessage, _ routing: KernelRouting) -> String {
        var words = ["dev \(routing.name(route.outputInterface))"]
        if let gateway = route.gateway { words.append("via \(gateway)") }
        if let source = route.preferredSource { words.append("src \(source)") }
        words.append("table \(route.table)")
        return words.joined(separator: " ")
    }
}
