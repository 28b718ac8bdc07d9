import SubflowPolicy

/// The MPTCP listeners of *other* programs in the network namespace, as the kernel reports
/// them (MPTCP_EVENT_LISTENER_CREATED / _CLOSED, sent for every MPTCP socket that starts or
/// stops listening in the namespace), and whether one of them covers an endpoint.
///
/// The kernel reports subflowd's own listeners too. Those events are recognised by counting:
/// each socket subflowd opens owes exactly one CREATED, each one it closes one CLOSED, and the
/// owed events are consumed as they arrive (they may arrive after subflowd already closed the
/// socket again, so "is it open now" would not do).
struct ListenerCoverage {
    /// Foreign listeners by endpoint; a count because SO_REUSEPORT lets several sockets share one.
    private(set) var foreign: [SocketEndpoint: Int] = [:]
    private var owedCreated: [SocketEndpoint: Int] = [:]
    private var owedClosed: [SocketEndpoint: Int] = [:]

    /// subflowd opened a listener on `endpoint`: its CREATED event is not a foreign listener.
    mutating func expectOwnCreated(_ endpoint: SocketEndpoint) { owedCreated[endpoint, default: 0] += 1 }
    /// subflowd closed its listener on `endpoint`: its CLOSED event is not a foreign one.
    mutating func expectOwnClosed(_ endpoint: SocketEndpoint) { owedClosed[endpoint, default: 0] += 1 }

    /// LISTENER_CREATED. Returns false when the event was subflowd's own socket.
    mutating func created(_ endpoint: SocketEndpoint) -> Bool {
        if Self.consume(&owedCreated, endpoint) { return false }
        foreign[endpoint, default: 0] += 1
        return true
    }

    /// LISTENER_CLOSED. Returns false when the event was subflowd's own socket (or unknown).
    mutating func closed(_ endpoint: SocketEndpoint) -> Bool {
        if Self.consume(&owedClosed, endpoint) { return false }
        guard let count = foreign[endpoint] else { return false }
        foreign[endpoint] = count > 1 ? count - 1 : nil
        return true
    }

    /// A foreign listener that accepts joins to `endpoint`: an exact match if there is one,
    /// else a wildcard (the family's own first).
    func listener(covering endpoint: SocketEndpoint) -> SocketEndpoint? {
        let covering = foreign.keys.filter { Self.covers($0, endpoint) }.sorted()
        return covering.first { !$0.address.isUnspecified } ?? covering.first { $0.family == endpoint.family }
            ?? covering.first
    }

    /// Whether a socket listening on `listener` receives SYNs sent to `endpoint`: same port, and
    /// the same address, or the unspecified address of its family (0.0.0.0, ::), or `::`
    /// for an IPv4 endpoint (a dual-stack IPv6 socket takes IPv4 too — unless the program set
    /// IPV6_V6ONLY, which the kernel's event does not tell). v4-mapped addresses count as IPv4.
    static func covers(_ listener: SocketEndpoint, _ endpoint: SocketEndpoint) -> Bool {
        guard listener.port == endpoint.port else { return false }
        let heard = listener.address.unmappedIPv4 ?? listener.address
        let wanted = endpoint.address.unmappedIPv4 ?? endpoint.address
        if heard == wanted { return true }
        guard heard.isUnspecified else { return false }
        return heard.family == wanted.family || heard.family == .ipv6
    }

    private static func consume(_ owed: inout [SocketEndpoint: Int], _ endpoint: SocketEndpoint) -> Bool {
        guard let count = owed[endpoint] else { return false }
        owed[endpoint] = count > 1 ? count - 1 : nil
        return true
    }
}

extension IPAddress {
    /// 0.0.0.0 or `::`: what a wildcard listener is bound to.
    var isUnspecified: Bool {
        switch self {
        case .v4(let v): return v == 0
        case .v6(let hi, let lo): return hi == 0 && lo == 0
        }
    }
}
