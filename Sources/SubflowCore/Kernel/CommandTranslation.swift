import MPTCPWire
import SubflowPolicy

/// Turns a policy's command into the kernel's, filling in what the policy may leave to the
/// daemon (local address IDs) from the connection's state.
enum CommandTranslation {
    enum Failure: Error {
        case unknownConnection
        case noFreeAddressID
        case familyMismatch(String)

        var kernelError: KernelError {
            switch self {
            case .unknownConnection:
                return KernelError(
                    code: .invalidArgument, message: "subflowd: no such connection (closed, or older than the daemon)")
            case .noFreeAddressID:
                return KernelError(
                    code: .noSpace, message: "subflowd: all 255 local address IDs of this connection are in use")
            case .familyMismatch(let text):
                return KernelError(code: .invalidArgument, message: "subflowd: \(text)")
            }
        }
    }

    /// The kernel command for `command`, updating `state`'s ID table when an ID is allocated.
    static func kernelCommand(for command: PathCommand, state: inout ConnectionState) throws(Failure) -> MPTCPCommand {
        switch command {
        case .announce(let token, let endpoint, let id, let interface):
            guard let id = id ?? state.localID(for: endpoint.address) else { throw .noFreeAddressID }
            let entry = AddressEntry(
                family: endpoint.family, address: endpoint.address, id: id,
                port: endpoint.port, flags: .signal, interface: interface)
            return .announce(token: token, address: entry)

        case .remove(let token, let id):
            return .remove(token: token, id: id)

        case .createSubflow(let token, let local, let remote, let localID, let backup, let interface):
            guard local.family == remote.family else {
                throw .familyMismatch("local \(local) and remote \(remote) are of different families")
            }
            guard let id = localID ?? state.localID(for: local) else { throw .noFreeAddressID }
            let localEntry = AddressEntry(
                family: local.family, address: local, id: id, port: 0,
                flags: backup ? .backup : [], interface: interface)
            let remoteEntry = AddressEntry(
                family: remote.family, address: remote.address, id: nil,
                port: remote.port, flags: [], interface: nil)
            return .subflowCreate(token: token, local: localEntry, remote: remoteEntry)

        case .destroySubflow(let token, let local, let remote):
            return .subflowDestroy(
                token: token, local: AddressEntry(endpoint: local), remote: AddressEntry(endpoint: remote))

        case .setBackup(let token, let local, let remote, let backup):
            var localEntry = AddressEntry(endpoint: local)
            localEntry.flags = backup ? .backup : []
            return .setFlags(token: token, local: localEntry, remote: AddressEntry(endpoint: remote))
        }
    }
}

extension AddressEntry {
    /// An address nest with family, address and port only.
    init(endpoint: SocketEndpoint) {
        self.init(
            family: endpoint.family, address: endpoint.address, id: nil, port: endpoint.port, flags: [], interface: nil)
    }
}
