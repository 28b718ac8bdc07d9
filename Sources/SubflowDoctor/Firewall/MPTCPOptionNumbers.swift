/// Numbers of the MPTCP option as firewalls name them (RFC 8684 §3).
enum MPTCPOptionNumbers {
    /// TCP option kind 30: MPTCP.
    static let mptcpOptionKind: Int64 = 30
    /// Option subtype 1: MP_JOIN.
    static let mpJoinSubtype: Int64 = 1
}
