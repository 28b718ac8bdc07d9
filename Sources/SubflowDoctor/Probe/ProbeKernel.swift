import MPTCPWire
import SubflowPolicy
import SubflowSystem

/// The kernel queries of `--probe`, each a blocking netlink request on a socket of its own (the
/// probe has no event loop): local addresses, the subflows of one connection, the in-kernel
/// endpoints, and SUBFLOW_CREATE.
struct ProbeKernel {
    static let timeoutMilliseconds: Int32 = 2000

    enum Failure: Error, CustomStringConvertible {
        case query(String, String)
        case refused(String, KernelError)
        var description: String {
            switch self {
            case .query(let what, let why): "\(what): \(why)"
            case .refused(let what, let error): "\(what): the kernel refused: \(error)"
            }
        }
    }

    private var sequence: UInt32 = 1

    /// Data messages of one request answered by NLMSG_DONE or an ack.
    private mutating func request(
        _ bytes: (UInt32) -> [UInt8], protocol netlinkProtocol: Int32, _ what: String
    ) throws(Failure) -> [NetlinkMessage] {
        sequence += 1
        let messages: [NetlinkMessage]
        do {
            let socket = try NetlinkSocket(protocol: netlinkProtocol)
            messages = try socket.dump(bytes(sequence), timeoutMilliseconds: Self.timeoutMilliseconds)
        } catch { throw .query(what, "\(error)") }
        let checked: Result<[NetlinkMessage], KernelError>
        do { checked = try DiagDump.dataMessages(messages) } catch { throw .query(what, "\(error)") }
        switch checked {
        case .success(let data): return data
        case .failure(let error): throw .refused(what, error)
        }
    }

    /// The addresses a subflow could start from: family `family`, global scope, not loopback.
    mutating func usableAddresses(family: AddressFamily) throws(Failure) -> [IPAddress] {
        let what = "RTM_GETADDR dump"
        var out: [IPAddress] = []
        for message in try request(
            { RouteNetlink.encodeAddressDump(sequence: $0) }, protocol: NetlinkProtocolNumber.route, what)
        {
            guard case .newAddress(let entry) = try? RouteNetlinkMessage.decode(message) else { continue }
            let address = entry.address
            guard address.family == family, entry.scope == 0, !address.isLoopback, !address.isLinkLocal else {
                continue
            }
            if !out.contains(address) { out.append(address) }
        }
        return out
    }

    /// The subflows of the connection with local token `token`, from the TCP socket dump.
    mutating func subflows(token: ConnectionToken, family: AddressFamily) throws(Failure) -> [MPTCPSubflowSocket] {
        let diagFamily = family == .ipv4 ? SockDiag.familyIPv4 : SockDiag.familyIPv6
        let request = InetDiagRequest.tcpSockets(family: diagFamily, states: InetDiagRequest.subflowStates)
        return try self.request(
            { request.encode(sequence: $0) }, protocol: NetlinkProtocolNumber.sockDiag, "sock_diag TCP dump"
        ).compactMap { try? MPTCPSubflowSocket.decode($0) }.filter { $0.mptcp.localToken == token }
    }

    /// The `mptcp_pm` generic netlink family's id.
    mutating func familyID() throws(Failure) -> UInt16 {
        let what = "CTRL_CMD_GETFAMILY \(MPTCPFamily.name)"
        let reply = try request(
            { GenericNetlinkControl.encodeGetFamily(name: MPTCPFamily.name, sequence: $0, flags: [.request, .ack]) },
            protocol: NetlinkProtocolNumber.generic, what)
        guard let first = reply.first, let family = try? GenericNetlinkControl.decodeFamily(first) else {
            throw .query(what, "no family in the reply")
        }
        return family.id
    }

    /// The in-kernel path manager's endpoints (GET_ADDR dump without a token).
    mutating func endpoints(familyID: UInt16) throws(Failure) -> [AddressEntry] {
        try request(
            { MPTCPCommand.dumpAddresses(token: nil).encode(familyID: familyID, sequence: $0) },
            protocol: NetlinkProtocolNumber.generic, "GET_ADDR dump"
        ).compactMap { try? MPTCPReply.address($0, familyID: familyID) }
    }

    /// SUBFLOW_CREATE (userspace path manager): the kernel sends the MP_JOIN SYN and acks.
    mutating func createSubflow(
        token: ConnectionToken, local: AddressEntry, remote: AddressEntry, familyID: UInt16
    ) throws(Failure) {
        _ = try request(
            {
                MPTCPCommand.subflowCreate(token: token, local: local, remote: remote).encode(
                    familyID: familyID, sequence: $0)
            },
            protocol: NetlinkProtocolNumber.generic, "SUBFLOW_CREATE from \(local.address.map { "\($0)" } ?? "?")")
    }
}
