import Logging
import SubflowCore
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// The keys of subflowd.conf, per section, with mptcpd's names accepted as aliases so that an
/// mptcpd.conf carries over. Each key parses its value or says what would be right.
enum ConfigurationKeys {
    typealias Apply = @Sendable (inout Configuration, String, Configuration.Origin) throws(KeyProblem) -> Void

    struct KeyProblem: Error { var message: String; init(_ m: String) { message = m } }

    struct Key: Sendable {
        var name: String
        var aliases: [String] = []
        var repeatable = false
        var apply: Apply
    }

    static let sections: [String: [Key]] = ["core": core, "network": network, "rules": rules]

    static let core: [Key] = [
        Key(name: "policy", aliases: ["path-manager"]) { c, v, o throws(KeyProblem) in
            let name = try policyName(v)
            c.policies.removeAll { $0 == name }
            c.policies.insert(name, at: 0)
            c.policyOrigins[name] = o
        },
        Key(name: "load-policies", aliases: ["load-plugins"]) { c, v, o throws(KeyProblem) in
            for name in list(v) {
                let name = try policyName(name)
                if !c.policies.contains(name) { c.policies.append(name) }
                c.policyOrigins[name] = c.policyOrigins[name] ?? o
            }
        },
        Key(name: "plugin-dir") { c, v, _ in
            c.pluginDirectories = v.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        },
        Key(name: "set-path-manager") { c, v, _ throws(KeyProblem) in c.setPathManager = try boolean(v) },
        Key(name: "liveness-interval") { c, v, _ throws(KeyProblem) in
            c.livenessIntervalSeconds = try integer(v, 1...86_400, "seconds")
        },
        Key(name: "events-receive-buffer") { c, v, _ throws(KeyProblem) in
            c.eventsReceiveBufferBytes = try integer(v, Configuration.eventsReceiveBufferRange, "bytes")
        },
        Key(name: "log") { c, v, _ throws(KeyProblem) in
            switch v.lowercased() {
            case "stderr": c.logTarget = .stderr
            case "journal", "syslog": c.logTarget = .journal
            case "null": c.logTarget = .null
            default:
                throw KeyProblem("log = \(excerpt: v): expected stderr, journal (syslog is taken as journal) or null")
            }
        },
        Key(name: "log-level") { c, v, _ throws(KeyProblem) in
            guard let level = Logger.Level(name: v) else {
                throw KeyProblem("log-level = \(excerpt: v): expected debug, info, notice, warning or error")
            }
            c.logLevel = level
        },
        Key(name: "notify-flags") { c, v, _ throws(KeyProblem) in
            // mptcpd's network-monitor flags. subflowd always reports existing addresses and
            // follows link state, so `existing` and `check_route` need no setting.
            c.filter.skipLoopback = false
            c.filter.skipLinkLocal = false
            for flag in list(v) {
                switch flag {
                case "existing", "check_route": break
                case "skip_loopback": c.filter.skipLoopback = true
                case "skip_link_local": c.filter.skipLinkLocal = true
                default:
                    throw KeyProblem(
                        "notify-flags: unknown flag '\(excerpt: flag)': expected existing, skip_link_local, skip_loopback, check_route"
                    )
                }
            }
        },
        Key(name: "addr-flags") { _, _, _ throws(KeyProblem) in
            throw KeyProblem(
                "addr-flags sets mptcpd's in-kernel endpoint flags; subflowd drives subflows itself and creates no endpoints: remove the line (choose a policy instead)"
            )
        },
        Key(name: "record") { c, v, _ in c.recordPath = v.isEmpty ? nil : v },
        Key(name: "record-max-bytes") { c, v, _ throws(KeyProblem) in
            c.recordMaxBytes = v.isEmpty ? nil : try integer(v, 4096...Int.max, "bytes")
        },
        Key(name: "record-keep") { c, v, _ throws(KeyProblem) in c.recordKeep = try integer(v, 1...1000, "files") },
        Key(name: "control-socket") { c, v, _ throws(KeyProblem) in
            guard v == "none" || v.hasPrefix("/") else {
                throw KeyProblem("control-socket = \(excerpt: v): expected an absolute path, or none")
            }
            c.controlSocket = v == "none" ? nil : v
        },
        Key(name: "control-group") { c, v, o in
            c.controlGroup = v.isEmpty ? nil : v
            c.controlOrigin = o
        },
        Key(name: "metrics-listen") { c, v, o throws(KeyProblem) in
            c.controlOrigin = o
            guard v.isEmpty || v.contains(":") else {
                throw KeyProblem(
                    "metrics-listen = \(excerpt: v): expected ADDRESS:PORT such as 127.0.0.1:9638, or nothing to turn it off"
                )
            }
            c.metricsListen = v.isEmpty ? nil : v
        },
    ]

    static let network: [Key] = [
        Key(name: "allow-interfaces") { c, v, _ in c.filter.allowInterfaces = list(v) },
        Key(name: "deny-interfaces") { c, v, _ in c.filter.denyInterfaces = list(v) },
        Key(name: "skip-loopback") { c, v, _ throws(KeyProblem) in c.filter.skipLoopback = try boolean(v) },
        Key(name: "skip-link-local") { c, v, _ throws(KeyProblem) in c.filter.skipLinkLocal = try boolean(v) },
        Key(name: "families") { c, v, _ throws(KeyProblem) in
            var families: Set<AddressFamily> = []
            for word in list(v) {
                switch word.lowercased() {
                case "ipv4", "inet": families.insert(.ipv4)
                case "ipv6", "inet6": families.insert(.ipv6)
                default: throw KeyProblem("families: '\(excerpt: word)': expected ipv4 and/or ipv6")
                }
            }
            guard !families.isEmpty else { throw KeyProblem("families is empty: expected ipv4, ipv6 or both") }
            c.filter.families = families
        },
    ]

    static let rules: [Key] = [
        Key(name: "rule", repeatable: true) { c, v, o throws(KeyProblem) in
            do throws(PolicyRuleError) { c.rules.append((try PolicyRule(parsing: v), o)) } catch {
                throw KeyProblem(error.problem)
            }
        }
    ]

    // MARK: Value parsers

    static func list(_ v: String) -> [String] {
        v.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).map(String.init)
    }

    static func boolean(_ v: String) throws(KeyProblem) -> Bool {
        switch v.lowercased() {
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default: throw KeyProblem("'\(excerpt: v)' is not yes or no")
        }
    }

    static func integer(_ v: String, _ range: ClosedRange<Int>, _ unit: String) throws(KeyProblem) -> Int {
        guard let n = Int(v), range.contains(n) else {
            throw KeyProblem(
                "'\(excerpt: v)': expected a whole number of \(unit)"
                    + (range.upperBound == Int.max
                        ? " (at least \(range.lowerBound))" : " from \(range.lowerBound) to \(range.upperBound)"))
        }
        return n
    }

    static func policyName(_ v: String) throws(KeyProblem) -> String {
        guard !v.isEmpty,
            v.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x5f })
        else {
            throw KeyProblem("'\(excerpt: v)' is not a policy name: lower-case letters, digits, '-' and '_'")
        }
        return v
    }

    /// The closest known name, for "did you mean" hints (edit distance at most 2).
    static func suggestion(for word: String, among names: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var row = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var previous = row[0]; row[0] = i
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    let current = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                    previous = current
                }
            }
            return row[b.count]
        }
        // The distance is at least the difference in length: a long word (a line of garbage)
        // costs nothing instead of length × names × name length.
        let letters = Array(word)
        return names.filter { abs($0.count - letters.count) <= 2 }
            .map { ($0, distance(letters, Array($0))) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }
}
