import MPTCPWire
import SubflowSystem

/// Who serves this namespace's MPTCP connections: the path manager selected, and the
/// processes subscribed to `mptcp_pm_events` here (failure-mode table P1, P2, P3).
///
/// Fact 1 of the failure-mode reference: whether the kernel treats a userspace path manager
/// as present is decided host-wide (any subscriber in any namespace). This check reports
/// what it sees in THIS namespace, which is what says whether anything acts on this
/// namespace's connections.
struct PathManagerCheck: DoctorCheck {
    let name = "path-manager"
    /// subflowd's process name as `/proc/PID/comm` shows it.
    static let daemonCommand = "subflowd"

    func run(on host: HostView) -> CheckOutcome {
        guard let setting = PathManagerSetting.read(host) else {
            return .skipped("neither net.mptcp.path_manager nor net.mptcp.pm_type can be read")
        }
        guard setting.kind != .other else {
            return .skipped("unknown path manager \(setting.evidence.what) = \(setting.evidence.value)")
        }
        let subscribers: Subscribers
        do { subscribers = try Subscribers.read(host) } catch { return .skipped("\(error)") }
        var evidence = [setting.evidence] + subscribers.evidence
        switch setting.kind {
        case .userspace:
            if subscribers.inodes.isEmpty {
                return .findings([
                    host.finding(
                        "no-userspace-daemon", .problem,
                        """
                        The userspace path manager is selected but no process in this network namespace listens to \
                        \(MPTCPFamily.eventsGroup): nothing creates subflows or announces addresses for its connections \
                        (whether the kernel still accepts the peer's joins depends on listeners anywhere on the host).
                        """,
                        evidence: evidence,
                        fix: host.namespace == nil ? "systemctl start subflowd" : host.inNamespace("subflowd"))
                ])
            }
            let owners: SocketOwners
            do { owners = try SocketOwners.find(Set(subscribers.inodes)) } catch { return .skipped("\(error)") }
            let processes = owners.processes.sorted { $0.pid < $1.pid }
            evidence += Self.ownerEvidence(owners, subscribers)
            if processes.count >= 2 {
                // Keep subflowd if it is one of them, else the first; stop the others.
                let keep = processes.first { $0.command == Self.daemonCommand } ?? processes[0]
                let others = processes.filter { $0 != keep }
                return .findings([
                    host.finding(
                        "two-path-managers", .problem,
                        """
                        \(processes.count) processes listen to \(MPTCPFamily.eventsGroup) in this network namespace \
                        (\(processes.map { "\($0.pid) \($0.command)" }.joined(separator: ", "))): two path managers \
                        undo each other's subflows and announcements; keep one.
                        """,
                        evidence: evidence,
                        fix: "kill " + others.map { String($0.pid) }.joined(separator: " "))
                ])
            }
            if subscribers.inodes.count >= 2, !owners.unowned(subscribers.inodes).isEmpty,
                owners.unreadableProcesses > 0
            {
                return .skipped(
                    """
                    \(subscribers.inodes.count) sockets listen to \(MPTCPFamily.eventsGroup) here, but the descriptors \
                    of \(owners.unreadableProcesses) processes cannot be read (needs root): cannot tell whether one \
                    or several processes hold them
                    """)
            }
            return .clean
        case .kernel, .other:
            guard !subscribers.inodes.isEmpty else { return .clean }
            let owners: SocketOwners
            do { owners = try SocketOwners.find(Set(subscribers.inodes)) } catch { return .skipped("\(error)") }
            evidence += Self.ownerEvidence(owners, subscribers)
            let daemons = owners.processes.filter { $0.command == Self.daemonCommand }.sorted { $0.pid < $1.pid }
            if !daemons.isEmpty {
                return .findings([
                    host.finding(
                        "in-kernel-path-manager", .problem,
                        """
                        subflowd runs in this network namespace (pid \(daemons.map { String($0.pid) }.joined(separator: ", "))) \
                        but the in-kernel path manager is selected: the kernel ignores subflowd's commands for every \
                        connection opened now (or start subflowd with --set-path-manager).
                        """,
                        evidence: evidence, fix: host.inNamespace(setting.userspaceCommand))
                ])
            }
            if !owners.unowned(subscribers.inodes).isEmpty, owners.unreadableProcesses > 0 {
                return .skipped(
                    """
                    cannot tell whether subflowd holds the \(MPTCPFamily.eventsGroup) sockets of this namespace: the \
                    descriptors of \(owners.unreadableProcesses) processes cannot be read (needs root)
                    """)
            }
            return .clean
        }
    }

    /// `pid 4711 subflowd` for each holder, and what could not be mapped.
    static func ownerEvidence(_ owners: SocketOwners, _ subscribers: Subscribers) -> [Finding.Evidence] {
        var evidence = owners.processes.sorted { $0.pid < $1.pid }.map {
            Finding.Evidence("listening process", "pid \($0.pid) \($0.command)")
        }
        let unowned = owners.unowned(subscribers.inodes)
        if !unowned.isEmpty {
            evidence.append(
                .init(
                    "sockets without a known process",
                    "\(unowned.map(String.init).joined(separator: " ")) (\(owners.unreadableProcesses) processes unreadable)"
                ))
        }
        return evidence
    }

    /// The `mptcp_pm_events` subscriber sockets of this namespace.
    struct Subscribers {
        var group: UInt32
        var inodes: [UInt64]

        static func read(_ host: HostView) throws(TableUnreadable) -> Subscribers {
            let family = try KernelTables.mptcpFamily(host)
            guard let group = family.multicastGroups[MPTCPFamily.eventsGroup] else {
                throw TableUnreadable("the mptcp_pm family has no \(MPTCPFamily.eventsGroup) group (Linux 5.12+)")
            }
            let table = try NetlinkSocketTable.read()
            guard let inodes = table.subscribers(protocol: NetlinkProtocolNumber.generic, group: group) else {
                throw TableUnreadable(
                    """
                    \(MPTCPFamily.eventsGroup) has group ID \(group) and \(NetlinkSocketTable.path) shows only groups \
                    1-\(NetlinkSocketTable.visibleGroups): its subscribers cannot be seen
                    """)
            }
            return Subscribers(group: group, inodes: inodes)
        }

        var evidence: [Finding.Evidence] {
            [
                .init("\(MPTCPFamily.eventsGroup) group ID", String(group)),
                .init(
                    "subscriber sockets (inodes) in this namespace",
                    inodes.isEmpty ? "none" : inodes.map(String.init).joined(separator: " ")),
            ]
        }
    }
}
