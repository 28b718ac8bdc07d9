import MPTCPWire
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// A strict reverse-path filter drops the second path's replies (failure-mode table R3): with
/// effective `rp_filter` = max(conf.all, conf.D) = 1 the kernel accepts a packet on D only
/// when its route back to the sender leaves through D. Asks the kernel as for a reply that
/// arrives: `ip route get B from PEER iif D` for each second-path address B on D and each
/// peer; EINVAL is the filter's refusal. IPv4 only: IPv6 has no rp_filter sysctl.
struct ReversePathFilterCheck: DoctorCheck {
    let name = "reverse-path-filter"
    /// rp_filter 1: strict (RFC 3704); 2 is loose, 0 off.
    static let strict = 1

    func run(on host: HostView) -> CheckOutcome {
        let survey: RoutingSurvey
        do { survey = try RoutingSurvey.of(host) } catch { return .skipped("\(error)") }
        guard let all = host.sysctl("net.ipv4.conf.all.rp_filter"), let allMode = Int(all) else {
            return .skipped("cannot read net.ipv4.conf.all.rp_filter")
        }
        var findings: [Finding] = []
        for source in survey.sources where source.address.family == .ipv4 {
            let device = survey.routing.name(source.interface)
            // sysctl names split at dots: an interface name with a dot (eth0.5) is read by path.
            let key = "net.ipv4.conf.\(device).rp_filter"
            let path = "/proc/sys/net/ipv4/conf/\(device)/rp_filter"
            guard let own = try? TextFile.read(path, limit: 64).trimmingWhitespace(), let ownMode = Int(own) else {
                return .skipped("cannot read \(path)")
            }
            guard max(allMode, ownMode) == Self.strict else { continue }
            var evidence: [Finding.Evidence] = []
            for peer in survey.peersBeyond(source) {
                let question = RouteLookup(
                    destination: source.address, source: peer.address, inputInterface: source.interface)
                let answer: Result<RouteMessage, KernelError>
                do { answer = try survey.routing.lookup(question) } catch { return .skipped("\(error)") }
                guard case .failure(let error) = answer, error.code == .invalidArgument else { continue }
                evidence.append(
                    .init(
                        "ip route get \(source.address) from \(peer.address) iif \(device) (\(peer.origin))", "\(error)"
                    ))
            }
            guard !evidence.isEmpty else { continue }
            findings.append(
                host.finding(
                    "strict-rp-filter", .problem,
                    "The strict reverse-path filter on \(device) drops replies to \(source.address) from peers it routes through another interface: subflows from \(source.address) never complete.",
                    evidence: [
                        .init("net.ipv4.conf.all.rp_filter", all), .init(key, String(own)),
                        .init("address \(source.address)", "on \(device)"),
                    ] + evidence,
                    fix: host.inNamespace("sysctl -w net.ipv4.conf.all.rp_filter=2 \(Self.sysctlName(device))=2")
                        + " (loose mode; or per-source routing: "
                        + survey.perSourceFix(
                            source, peer: survey.peersBeyond(source)[0], host: host) + ")"))
        }
        return .findings(findings)
    }

    /// `net.ipv4.conf.eth0.rp_filter`; slashes for a name with dots (`eth0.5`), as sysctl(8) takes them.
    static func sysctlName(_ device: String) -> String {
        device.contains(".") ? "net/ipv4/conf/\(device)/rp_filter" : "net.ipv4.conf.\(device).rp_filter"
    }
}
