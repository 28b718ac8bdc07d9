import SubflowSystem

/// Lines written for the out-of-tree multipath-tcp.org kernel (`net.mptcp.mptcp_enabled`, …)
/// in the files `sysctl --system` and systemd-sysctl apply (failure-mode table K2): upstream
/// has none of these names, so the line fails at boot and the setting it meant is not made.
struct StaleSysctlFileCheck: DoctorCheck {
    let name = "sysctl-files"

    /// Where sysctl settings are read from at boot (sysctl.d(5)); a test points it elsewhere.
    struct Sources: Sendable {
        var files: [String]
        /// Their `*.conf` files are read.
        var directories: [String]
    }

    static let standardSources = Sources(
        files: ["/etc/sysctl.conf"],
        directories: [
            "/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d",
        ])
    /// A sysctl file is a few lines; anything bigger is not read (and said so).
    static let fileLimit = 1 << 20

    var sources = StaleSysctlFileCheck.standardSources

    func run(on host: HostView) -> CheckOutcome {
        var unreadable: [Finding.Evidence] = []
        var seen: Set<[UInt64]> = []
        var findings: [Finding] = []
        for path in paths(unreadable: &unreadable) {
            let text: String
            do {
                let file = try OpenedFile.openRegularFile(path)
                // /etc/sysctl.d/99-sysctl.conf is usually a link to /etc/sysctl.conf: report it once.
                guard seen.insert([file.status.device, file.status.inode]).inserted else { continue }
                text = String(decoding: try file.readAll(limit: Self.fileLimit), as: UTF8.self)
            } catch {
                unreadable.append(.init("not read", "\(path): \(error)"))
                continue
            }
            if let finding = stale(in: text, path: path, host) { findings.append(finding) }
        }
        if findings.isEmpty, !unreadable.isEmpty {
            return .skipped(
                "some sysctl files could not be read: " + unreadable.map(\.value).joined(separator: "; "))
        }
        return .findings(
            findings.map {
                var f = $0; f.evidence += unreadable; return f
            })
    }

    /// The files to read, in sysctl.d(5) order; directories that cannot be listed are noted
    /// (one that does not exist is normal and silent).
    private func paths(unreadable: inout [Finding.Evidence]) -> [String] {
        var paths = sources.files.filter { Files.exists($0) }
        for directory in sources.directories where Files.exists(directory) {
            do {
                paths += try DirectoryListing.names(in: directory).filter { $0.hasSuffix(".conf") }.sorted()
                    .map { "\(directory)/\($0)" }
            } catch {
                unreadable.append(.init("not read", "\(directory): \(error)"))
            }
        }
        return paths
    }

    /// One finding per file with out-of-tree lines: each line as evidence, one sed command
    /// that replaces each by its upstream equivalent (or deletes it).
    func stale(in text: String, path: String, _ host: HostView) -> Finding? {
        var evidence: [Finding.Evidence] = []
        var edits: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let setting = SysctlConfLine(line), setting.isOutOfTree else { continue }
            evidence.append(.init("\(path):\(number + 1)", String(line)))
            edits.append(setting.upstreamReplacement.map { "-e '\(number + 1)c \($0)'" } ?? "-e '\(number + 1)d'")
        }
        guard !evidence.isEmpty else { return nil }
        return host.finding(
            "stale-out-of-tree-sysctl", .warning,
            """
            \(path) sets \(evidence.count) net.mptcp.mptcp_* name(s) of the out-of-tree multipath-tcp.org kernel, which \
            upstream MPTCP does not have: they fail at boot and what they meant is not set (upstream names: \
            net.mptcp.enabled, checksum_enabled, path_manager, scheduler; applications must ask for IPPROTO_MPTCP).
            """,
            evidence: evidence,
            // The file is on the host's file system, whatever namespace doctor looked into.
            fix: "sed -i \(edits.joined(separator: " ")) '\(path)'")
    }
}
