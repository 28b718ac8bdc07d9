import SubflowPolicy
import SubflowSystem

/// The control socket's and metrics listener's configuration, checked: the group resolved
/// to an ID, the listen address parsed.
public struct ControlSettings {
    /// Where the control socket goes; nil: no control socket.
    public var socketPath: String?
    /// The group allowed besides root (and the daemon's own user); the socket is then 0660.
    public var group: (name: String, id: UInt32)?
    /// Where to serve GET /metrics over HTTP; nil: off.
    public var metricsAddress: SocketEndpoint?

    /// Socket file mode: owner only, or owner and group.
    public var socketMode: UInt32 { group == nil ? 0o600 : 0o660 }

    /// A configuration problem, reported like the other ones (exit 78).
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    public init(_ configuration: Configuration) throws(Problem) {
        socketPath = configuration.controlSocket
        if let name = configuration.controlGroup {
            guard let id = LocalIdentity.groupID(named: name) else {
                throw Problem(description: "control-group \(name): no such group (see getent group)")
            }
            group = (name, id)
        }
        if let text = configuration.metricsListen {
            guard let address = Self.listenAddress(text) else {
                throw Problem(
                    description:
                        "metrics-listen \(text): expected ADDRESS:PORT, [IPv6]:PORT or :PORT (loopback), with a port from 1 to 65535"
                )
            }
            metricsAddress = address
        }
    }

    /// `127.0.0.1:9638`, `[::1]:9638`, `0.0.0.0:9638`; `:9638` or `9638` alone mean loopback
    /// (127.0.0.1). Nil for anything else, and for port 0.
    public static func listenAddress(_ text: String) -> SocketEndpoint? {
        var host = "127.0.0.1"
        var portText = Substring(text)
        if let colon = text.lastIndex(of: ":") {
            let given = text[..<colon]
            portText = text[text.index(after: colon)...]
            if given.hasPrefix("[") {
                guard given.hasSuffix("]"), given.count > 2 else { return nil }
                host = String(given.dropFirst().dropLast())
            } else if !given.isEmpty {
                guard !given.contains(":") else { return nil }  // IPv6 needs brackets
                host = String(given)
            }
        }
        guard let port = UInt16(portText), port > 0 else { return nil }
        return SocketEndpoint(literal: host, port: port)
    }
}
