import SubflowPolicy
import SubflowSystem

/// One MPTCP socket (msk) from an `IPPROTO_MPTCP` dump (`net/mptcp/mptcp_diag.c`).
///
/// The kernel walks its token table, so every connection that has a token appears, in any
/// state; listeners come after them when `TCP_LISTEN` is among the requested states. The
/// addresses and ports are those of the connection's initial subflow (address ID 0 on both
/// sides), kept on the msk even after that subflow closed.
public struct MPTCPConnectionSocket: Sendable, Hashable, CustomStringConvertible {
    public var socket: InetDiagSocket
    /// `INET_DIAG_INFO`: `struct mptcp_info` (nil when the request did not ask for it).
    public var info: MPTCPInfo?

    public init(socket: InetDiagSocket, info: MPTCPInfo?) {
        self.socket = socket
        self.info = info
    }

    /// `mptcpi_token`: the connection's local token, as path-manager events carry it. Nil
    /// without info, and for listeners (0).
    public var token: ConnectionToken? {
        guard let token = info?.token, token != 0 else { return nil }
        return ConnectionToken(token)
    }

    /// The original `struct mptcp_info` up to `mptcpi_csum_enabled`: the least the kernel sends.
    public static let minimumInfoSize = 43

    /// Decodes one message of an MPTCP dump. `INET_DIAG_INFO` shorter than the original
    /// `struct mptcp_info` (`minimumInfoSize`) throws; a longer one is decoded as far as this
    /// build knows the layout (`MPTCPInfo`).
    public static func decode(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> MPTCPConnectionSocket {
        let socket = try InetDiagSocket.decode(message)
        guard let raw = socket.attributes[type: InetDiagAttribute.info] else {
            return MPTCPConnectionSocket(socket: socket, info: nil)
        }
        guard let info = MPTCPInfo(bytes: Array(raw.payload)) else {
            throw NetlinkDecodeError(
                .attributeLength(
                    NetlinkAttributeName(InetDiagAttribute.info, "info"),
                    expected: minimumInfoSize, actual: raw.payload.count),
                context: ["MPTCP socket \(socket)"])
        }
        return MPTCPConnectionSocket(socket: socket, info: info)
    }

    public var description: String {
        "\(socket)" + (token.map { " token \($0)" } ?? "") + (info.map { " subflows \($0.subflows)" } ?? "")
    }
}
