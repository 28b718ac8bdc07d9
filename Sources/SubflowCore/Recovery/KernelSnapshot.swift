import MPTCPWire
import SubflowPolicy

/// What the kernel shows about the MPTCP connections of this network namespace, read once at
/// start-up: the path manager has no command that lists connections, so subflowd rebuilds its
/// state from socket diagnostics (as `ss -M` and `ss -ti` do) and from each connection's
/// local address table (GET_ADDR dump with its token).
public struct KernelSnapshot: Sendable {
    /// Every MPTCP socket (`IPPROTO_MPTCP` dump), listeners included.
    public var connections: [MPTCPConnectionSocket]
    /// Every MPTCP subflow of the TCP dump (listeners and time-wait sockets excluded).
    public var subflows: [MPTCPSubflowSocket]
    /// The answer to `GET_ADDR` (dump) with each non-listening connection's token.
    public var addressTables: [ConnectionToken: AddressTable]
    /// The kernel answered GET_ADDR with a token that names no connection by listing its
    /// in-kernel endpoints: it ignores the token (kernels before 6.10), so `addressTables` is
    /// empty and nothing tells userspace-PM connections from in-kernel ones.
    public var addressTablesIgnoreToken = false
    /// Messages that could not be decoded and were left out, in words.
    public var problems: [String]
    /// The raw messages the snapshot was made of that concern MPTCP (for debug logs and
    /// golden-byte captures): what, and the bytes.
    public var rawMessages: [(what: String, bytes: [UInt8])]

    public init(
        connections: [MPTCPConnectionSocket] = [], subflows: [MPTCPSubflowSocket] = [],
        addressTables: [ConnectionToken: AddressTable] = [:], problems: [String] = [],
        rawMessages: [(what: String, bytes: [UInt8])] = []
    ) {
        self.connections = connections
        self.subflows = subflows
        self.addressTables = addressTables
        self.problems = problems
        self.rawMessages = rawMessages
    }

    /// One connection's local address table, or why there is none.
    public enum AddressTable: Sendable, Hashable {
        /// The kernel's per-connection list (`userspace_pm_local_addr_list`): every local
        /// address a path-manager command or an incoming join gave an ID, `signal` on the
        /// announced ones.
        case entries([AddressEntry])
        /// The kernel refused the dump: "userspace PM not selected" (the connection uses the
        /// in-kernel path manager), "invalid token" (it is gone), ...
        case refused(KernelError)
        /// The answer could not be read (timeout, malformed bytes).
        case unreadable(String)
    }
}

/// Where a snapshot comes from: the live kernel (`LiveKernelSnapshot`) or a test.
public protocol KernelSnapshotSource {
    func read() throws(RecoveryError) -> KernelSnapshot
}

/// Why no snapshot could be read at all.
public enum RecoveryError: Error, CustomStringConvertible {
    // The I/O errors are held as `any Error`: they come from the live snapshot's sockets
    // (SubflowDaemon), and the state layer only shows them.
    /// A netlink socket could not be opened.
    case socket(any Error)
    /// A socket dump failed (what was being dumped, and why).
    case dump(String, any Error)
    /// The kernel refused a socket dump (e.g. no MPTCP diag support: ENOENT).
    case refused(String, KernelError)
    /// A dump's answer could not be read.
    case malformed(String, any Error)

    public var description: String {
        switch self {
        case .socket(let error): "cannot open a netlink socket: \(error)"
        case .dump(let what, let error): "dumping \(what): \(error)"
        case .refused(let what, let error): "the kernel refused to dump \(what): \(error)"
        case .malformed(let what, let error): "dumping \(what): \(error)"
        }
    }
}
