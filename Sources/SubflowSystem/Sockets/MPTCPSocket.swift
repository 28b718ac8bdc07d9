import Glibc
import SubflowPolicy

/// A stream socket of protocol IPPROTO_MPTCP (262): listen/accept/connect/send/receive/close
/// plus `mptcpInfo()`. Blocking by default; `setNonBlocking(true)` plus `wait(for:timeout:)`
/// for callers that need deadlines. Every call retries EINTR; failures throw
/// `SystemError` naming the operation. Not thread-safe: one owner at a time.
public final class MPTCPSocket {
    public static let ipprotoMPTCP: Int32 = 262
    public static let solMPTCP: Int32 = 284
    public static let optionInfo: Int32 = 1

    /// The descriptor (`Descriptor.closed`, on which every call fails with EBADF, once closed).
    public private(set) var fd: Descriptor
    public let family: AddressFamily

    /// The stream protocol: MPTCP, or plain TCP for baselines in benchmarks.
    public enum Transport: Sendable {
        case mptcp, tcp
        var protocolNumber: Int32 { self == .mptcp ? MPTCPSocket.ipprotoMPTCP : Int32(IPPROTO_TCP) }
        var name: String { self == .mptcp ? "IPPROTO_MPTCP" : "IPPROTO_TCP" }
    }

    /// socket(AF_INET|AF_INET6, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_MPTCP or IPPROTO_TCP).
    public init(family: AddressFamily, transport: Transport = .mptcp) throws(SystemError) {
        fd = try descriptorOrErrno(
            system_socket(
                family.domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                transport.protocolNumber)
        )
        .orThrow("socket(\(family == .ipv4 ? "AF_INET" : "AF_INET6"), \(transport.name))")
        self.family = family
    }

    private init(adopting fd: Descriptor, family: AddressFamily) {
        self.fd = fd
        self.family = family
    }

    deinit { close() }

    /// Bytes written but not yet acknowledged by the peer (SIOCOUTQ): for plain TCP, where
    /// MPTCP_INFO's sequence numbers are not available. Nil if the kernel does not say.
    public func outstandingBytes() -> Int? {
        var value: Int32 = 0
        let request = UInt(0x5411)  // SIOCOUTQ (= TIOCOUTQ)
        guard system_ioctl(fd, request, &value) == 0 else { return nil }
        return Int(value)
    }

    /// Closes the descriptor (once; later calls do nothing).
    /// Closes with SO_LINGER 0: the kernel aborts the connection (TCP RST; for MPTCP an
    /// MP_FASTCLOSE) instead of the orderly FIN exchange.
    public func abort() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = system_setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    public func close() {
        guard isOpen else { return }
        fd.close()
        fd = .closed
    }

    public var isOpen: Bool { fd != .closed }

    // MARK: server side

    /// A listening MPTCP socket on `address` (SO_REUSEADDR set).
    public static func listening(
        on address: SocketEndpoint, backlog: Int32 = 128,
        transport: Transport = .mptcp
    ) throws(SystemError) -> MPTCPSocket {
        let socket = try MPTCPSocket(family: address.family, transport: transport)
        var one: Int32 = 1
        _ = system_setsockopt(socket.fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        try socket.bind(to: address)
        guard system_listen(socket.fd, backlog) == 0 else { throw .last("listen(\(address))") }
        return socket
    }

    /// Binds to a local address (port 0 = any port).
    public func bind(to address: SocketEndpoint) throws(SystemError) {
        let result = address.withSockaddr { system_bind(fd, $0, $1) }
        guard result == 0 else { throw .last("bind(\(address))") }
    }

    /// Accepts one connection and returns it (blocking unless the listener is non-blocking,
    /// in which case EAGAIN is thrown). The new socket is blocking.
    public func accept() throws(SystemError) -> (socket: MPTCPSocket, peer: SocketEndpoint?) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let s = try withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                AcceptedSocket.retryingAborted { system_accept(fd, address, &length) }
            }
        }.orThrow("accept")
        // accept4(SOCK_CLOEXEC) is not visible without _GNU_SOURCE; single-threaded
        // callers lose nothing by setting the flag right after.
        _ = system_fcntl(s, F_SETFD, FD_CLOEXEC)
        return (MPTCPSocket(adopting: s, family: family), SocketEndpoint(storage: storage))
    }

    // MARK: client side

    /// Connects to `remote`, optionally from a given source address, giving up after `timeout`
    /// (thrown as ETIMEDOUT). The returned socket is blocking.
    public static func connect(
        to remote: SocketEndpoint, from local: SocketEndpoint? = nil,
        timeout: Duration = .seconds(10),
        transport: Transport = .mptcp
    ) throws(SystemError) -> MPTCPSocket {
        let socket = try MPTCPSocket(family: remote.family, transport: transport)
        if let local { try socket.bind(to: local) }
        try socket.setNonBlocking(true)
        let operation = "connect(\(remote))"
        // Not retried on EINTR: the connection attempt goes on asynchronously, exactly like EINPROGRESS.
        if case .failure(let error) = valueOrErrno(remote.withSockaddr({ system_connect(socket.fd, $0, $1) })) {
            guard error == .inProgress || error == .interrupted else {
                throw SystemError(operation: operation, errno: error)
            }
            guard try socket.wait(for: .writable, timeout: timeout) else {
                throw SystemError(operation: operation, errno: .timedOut)
            }
            let pending = try socket.intOption(level: SOL_SOCKET, name: SO_ERROR, operation: operation)
            guard pending == 0 else { throw SystemError(operation: operation, errno: Errno(rawValue: pending)) }
        }
        try socket.setNonBlocking(false)
        return socket
    }

    // MARK: data

    /// One send(2) of `bytes` with MSG_NOSIGNAL. Returns how many bytes the kernel took (may be
    /// fewer than offered); 0 when a non-blocking socket has no room (EAGAIN).
    public func send(_ bytes: ArraySlice<UInt8>) throws(SystemError) -> Int {
        switch bytes.withUnsafeBytes({ raw in
            retryingOnInterrupt { system_send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL)) }
        }) {
        case .success(let n): return n
        case .failure(.wouldBlock): return 0
        case .failure(let error): throw SystemError(operation: "send", errno: error)
        }
    }

    /// Sends every byte, looping over partial writes (waiting for room on a non-blocking socket).
    public func sendAll(_ bytes: ArraySlice<UInt8>) throws(SystemError) {
        var rest = bytes
        while !rest.isEmpty {
            let n = try send(rest)
            if n == 0 { _ = try wait(for: .writable, timeout: nil) }
            rest = rest.dropFirst(n)
        }
    }

    /// One recv(2) into `buffer` (up to its count). Returns the byte count, 0 at end of stream,
    /// nil when a non-blocking socket has nothing to read (EAGAIN).
    public func receive(into buffer: inout [UInt8]) throws(SystemError) -> Int? {
        switch buffer.withUnsafeMutableBytes({ raw in
            retryingOnInterrupt { system_recv(fd, raw.baseAddress, raw.count, 0) }
        }) {
        case .success(let n): return n
        case .failure(.wouldBlock): return nil
        case .failure(let error): throw SystemError(operation: "recv", errno: error)
        }
    }

    /// shutdown(SHUT_WR): sends DATA_FIN, keeps receiving.
    public func shutdownWrite() throws(SystemError) {
        guard system_shutdown(fd, Int32(SHUT_WR)) == 0 else { throw .last("shutdown(SHUT_WR)") }
    }

    // MARK: state

    public func setNonBlocking(_ on: Bool) throws(SystemError) {
        if let error = fd.setNonBlocking(on) { throw SystemError(operation: "fcntl(O_NONBLOCK)", errno: error) }
    }

    public func localAddress() throws(SystemError) -> SocketEndpoint {
        try address(system_getsockname, "getsockname")
    }

    public func remoteAddress() throws(SystemError) -> SocketEndpoint {
        try address(system_getpeername, "getpeername")
    }

    /// getsockopt(SOL_MPTCP, MPTCP_INFO). Nil when the connection fell back to plain TCP (the
    /// kernel then forwards the call to the TCP subflow, which answers EOPNOTSUPP/ENOPROTOOPT).
    public func mptcpInfo() throws(SystemError) -> MPTCPInfo? {
        var buffer = [UInt8](repeating: 0, count: MPTCPInfo.newestKnownSize)
        var length = socklen_t(buffer.count)
        let result = buffer.withUnsafeMutableBytes {
            system_getsockopt(fd, Self.solMPTCP, Self.optionInfo, $0.baseAddress, &length)
        }
        if result != 0 {
            let error = Errno.current
            if error == .notSupported || error == .protocolNotAvailable { return nil }
            throw SystemError(operation: "getsockopt(SOL_MPTCP, MPTCP_INFO)", errno: error)
        }
        let info = MPTCPInfo(bytes: Array(buffer.prefix(Int(length))))
        guard let info else {
            throw SystemError(
                operation: "getsockopt(SOL_MPTCP, MPTCP_INFO) returned \(length) bytes", errno: .protocolError)
        }
        return info
    }

    // MARK: readiness

    public enum Readiness: Sendable { case readable, writable }

    /// poll(2) for one socket. Returns false on timeout (nil = wait forever). Error and hang-up
    /// conditions count as ready: the next call reports them.
    public func wait(for readiness: Readiness, timeout: Duration?) throws(SystemError) -> Bool {
        let events = Int16(readiness == .readable ? POLLIN : POLLOUT)
        var entry = [pollfd(fd: fd.rawValue, events: events, revents: 0)]
        return try PollWait.poll(&entry, until: PollWait.deadline(after: timeout)).orThrow("poll") > 0
    }

    /// Waits until any of `sockets` is readable (or at end of stream / in error); returns the
    /// indices of those that are. Empty on timeout.
    public static func readable(_ sockets: [MPTCPSocket], timeout: Duration?) throws(SystemError) -> [Int] {
        var entries = sockets.map { pollfd(fd: $0.fd.rawValue, events: Int16(POLLIN), revents: 0) }
        guard try PollWait.poll(&entries, until: PollWait.deadline(after: timeout)).orThrow("poll") > 0 else {
            return []
        }
        return entries.indices.filter { entries[$0].revents != 0 }
    }

    // MARK: helpers

    private func intOption(level: Int32, name: Int32, operation: String) throws(SystemError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard system_getsockopt(fd, level, name, &value, &length) == 0 else { throw .last(operation) }
        return value
    }

    private func address(
        _ call: (Descriptor, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?) -> Int32,
        _ name: String
    ) throws(SystemError) -> SocketEndpoint {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        guard result == 0 else { throw .last(name) }
        guard let address = SocketEndpoint(storage: storage) else {
            throw SystemError(operation: "\(name): unexpected address family", errno: .addressFamilyNotSupported)
        }
        return address
    }
}
