/// The server side most daemon tests want.
extension TwoPathTopology {
    /// The client's sysctls for subflowd: the userspace path manager.
    static let userspaceClient: KeyValuePairs<String, String> = ["net.mptcp.path_manager": "userspace"]

    /// The server's in-kernel path manager accepts up to 8 joins and announcements per
    /// connection and announces its path-B IPv4 address (a `signal` endpoint).
    func serverAnnouncesPathB() throws {
        try bed.check(server, ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
        try bed.check(
            server, ["ip", "mptcp", "endpoint", "add", pathB.serverIPv4, "dev", pathB.serverInterface, "signal"])
    }
}
