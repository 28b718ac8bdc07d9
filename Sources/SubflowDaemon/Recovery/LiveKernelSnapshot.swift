import MPTCPWire
import SubflowConfiguration
import SubflowCore
import SubflowPolicy
import SubflowSystem

/// Reads a `KernelSnapshot` from the running kernel, in the caller's network namespace, on
/// sockets of its own and synchronously (a few milliseconds; start-up only):
///
/// 1. `NETLINK_SOCK_DIAG` dump of `IPPROTO_MPTCP`, AF_INET then AF_INET6, every state, with
///    `INET_DIAG_INFO`: each connection (msk) with its `struct mptcp_info` (token), and the
///    MPTCP listeners.
/// 2. The same for `IPPROTO_TCP` with `INET_DIAG_INFO` (which also brings `INET_DIAG_ULP_INFO`
///    on 6.18): each subflow with its 4-tuple, bound device, local token, address IDs and
///    flags. Listening, time-wait and request sockets are not asked for.
/// 3. For each non-listening connection with a token: `MPTCP_PM_CMD_GET_ADDR` with
///    `NLM_F_DUMP` and the token, on a generic netlink socket: its local address table — or,
///    for a connection that uses the in-kernel path manager, the kernel's refusal ("userspace
///    PM not selected"), which is how recovery tells the two apart. A first dump with token 0
///    checks that the kernel honours the token at all (Linux 6.10 and later).
///
/// The GET_ADDR dumps cost one round trip per connection — most of a snapshot's time with
/// thousands of connections. A resync after lost events skips them for the connections the
/// daemon already follows (`knownTokens`): their address tables are its own doing, and what
/// it needs from the kernel for them is only whether they still exist and their subflows.
public struct LiveKernelSnapshot: KernelSnapshotSource {
    /// The `mptcp_pm` family ID (resolved by the kernel link).
    public var familyID: UInt16
    /// Limit for each dump.
    public var timeoutMilliseconds: Int32
    /// Connections whose local address table is not asked for.
    public var knownTokens: Set<ConnectionToken>

    public init(familyID: UInt16, timeoutMilliseconds: Int32 = 2000, knownTokens: Set<ConnectionToken> = []) {
        self.familyID = familyID
        self.timeoutMilliseconds = timeoutMilliseconds
        self.knownTokens = knownTokens
    }

    /// Subflow states asked for: all but LISTEN, TIME_WAIT and NEW_SYN_RECV, which carry no
    /// MPTCP subflow context.
    static let subflowStates = InetDiagRequest.subflowStates

    public func read() throws(RecoveryError) -> KernelSnapshot {
        var snapshot = KernelSnapshot()
        let diag: NetlinkSocket
        do { diag = try NetlinkSocket.sockDiag() } catch { throw .socket(error) }
        var sequence: UInt32 = 1
        for family in [SockDiag.familyIPv4, SockDiag.familyIPv6] {
            let what = "MPTCP sockets (family \(family))"
            for message in try dump(
                diag, InetDiagRequest.mptcpConnections(family: family).encode(sequence: sequence), what)
            {
                do {
                    snapshot.connections.append(try MPTCPConnectionSocket.decode(message))
                    snapshot.rawMessages.append(("mptcp-diag", message.bytes))
                } catch {
                    snapshot.problems.append("\(what): \(error)")
                }
            }
            sequence += 1
        }
        for family in [SockDiag.familyIPv4, SockDiag.familyIPv6] {
            let what = "TCP sockets (family \(family))"
            let request = InetDiagRequest.tcpSockets(family: family, states: Self.subflowStates)
            for message in try dump(diag, request.encode(sequence: sequence), what) {
                do {
                    guard let subflow = try MPTCPSubflowSocket.decode(message) else { continue }
                    snapshot.subflows.append(subflow)
                    snapshot.rawMessages.append(("tcp-diag", message.bytes))
                } catch {
                    snapshot.problems.append("\(what): \(error)")
                }
            }
            sequence += 1
        }
        let tokens = snapshot.connections.filter { $0.socket.state != .listen }.compactMap(\.token)
            .filter { !knownTokens.contains($0) }
        guard !tokens.isEmpty else { return snapshot }
        let generic: NetlinkSocket
        do { generic = try NetlinkSocket(protocol: NetlinkProtocolNumber.generic) } catch { throw .socket(error) }
        // Token 0 names no connection: a kernel that honours GET_ADDR's token says "invalid
        // token"; one that ignores it (before Linux 6.10) lists its endpoints instead.
        if case .entries = addressTable(ConnectionToken(0), on: generic, sequence: sequence, into: &snapshot) {
            snapshot.addressTablesIgnoreToken = true
            return snapshot
        }
        sequence += 1
        for token in Set(tokens).sorted() {
            snapshot.addressTables[token] = addressTable(token, on: generic, sequence: sequence, into: &snapshot)
            sequence += 1
        }
        return snapshot
    }

    /// One sock_diag dump, checked: its data messages.
    private func dump(
        _ socket: NetlinkSocket, _ request: [UInt8], _ what: String
    ) throws(RecoveryError) -> [NetlinkMessage] {
        let messages: [NetlinkMessage]
        do { messages = try socket.dump(request, timeoutMilliseconds: timeoutMilliseconds) } catch {
            throw .dump(what, error)
        }
        let checked: Result<[NetlinkMessage], KernelError>
        do { checked = try DiagDump.dataMessages(messages) } catch { throw .malformed(what, error) }
        switch checked {
        case .success(let data): return data
        case .failure(let error): throw .refused(what, error)
        }
    }

    /// GET_ADDR dump with `token`: the connection's local address table, or the refusal.
    private func addressTable(
        _ token: ConnectionToken, on socket: NetlinkSocket, sequence: UInt32,
        into snapshot: inout KernelSnapshot
    ) -> KernelSnapshot.AddressTable {
        let request = MPTCPCommand.dumpAddresses(token: token).encode(familyID: familyID, sequence: sequence)
        do throws(any Error) {
            let messages = try socket.dump(request, timeoutMilliseconds: timeoutMilliseconds)
            for message in messages { snapshot.rawMessages.append(("get-addr token \(token)", message.bytes)) }
            switch try DiagDump.dataMessages(messages) {
            case .failure(let error):
                return .refused(error)
            case .success(let data):
                var entries: [AddressEntry] = []
                for message in data { entries.append(try MPTCPReply.address(message, familyID: familyID)) }
                return .entries(entries)
            }
        } catch {
            return .unreadable("\(error)")  // a NetlinkDumpError or a NetlinkDecodeError
        }
    }
}
