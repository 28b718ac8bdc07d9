import SubflowConfiguration
import SubflowSystem

/// Who may use the control socket, checked on every connection from the credentials the
/// kernel recorded (SO_PEERCRED, SO_PEERGROUPS) — in addition to the socket file's mode,
/// which anyone able to write the directory could loosen: root, the user the daemon runs
/// as, and members (primary or supplementary) of the configured control group.
struct ControlAccess {
    var daemonUID: UInt32 = LocalIdentity.effectiveUserID
    var group: (name: String, id: UInt32)?

    /// Nil if `peer` may connect, else why not (sent to the client and logged).
    func refusal(for peer: PeerCredentials) -> String? {
        if peer.uid == 0 || peer.uid == daemonUID { return nil }
        if let group, peer.isMember(of: group.id) { return nil }
        let allowed = ["root", daemonUID == 0 ? nil : "uid \(daemonUID)", group.map { "members of group \($0.name)" }]
            .compactMap { $0 }.joined(separator: ", ")
        return "permission denied: uid \(peer.uid) may not use the subflowd control socket (allowed: \(allowed))"
    }
}
