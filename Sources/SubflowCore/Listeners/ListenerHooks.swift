import MPTCPWire
import SubflowPolicy

/// How the PathManager feeds the listener manager from the commands it carries: one call
/// before a command goes to the kernel, one with the kernel's answer.
extension ListenerManager {
    /// Before an ANNOUNCE is sent: take the connection's reference on the endpoint the peer
    /// will join first, so that the listener exists before the ADD_ADDR leaves and the peer's
    /// first MP_JOIN SYN cannot beat it. The reference is kept even if the kernel refuses the
    /// command or drops the ADD_ADDR (its retransmission timer may still send it): until a
    /// REMOVE of that ID succeeds or the connection ends.
    func commandWillBeSent(_ command: MPTCPCommand, state: ConnectionState) {
        guard case .announce(let token, let entry) = command, let address = entry.address, let id = entry.id else {
            return
        }
        acquire(Self.joinEndpoint(address, port: entry.port, of: state), id: id, for: token)
    }

    /// The kernel answered: a successful REMOVE releases that ID's endpoint.
    func commandAnswered(_ command: MPTCPCommand, _ result: CommandResult) {
        guard case .success = result, case .remove(let token, let id) = command else { return }
        removed(id: id, for: token)
    }

    /// Where the peer sends its joins after ADD_ADDR for `address`: the announced port, or,
    /// when the ADD_ADDR carries none (port 0), the connection's own local port.
    static func joinEndpoint(_ address: IPAddress, port: UInt16, of state: ConnectionState) -> SocketEndpoint {
        SocketEndpoint(address, port: port != 0 ? port : state.local.port)
    }
}
