import CMNL
import Glibc

/// A non-blocking netlink socket (generic netlink or rtnetlink) that moves raw datagrams.
/// It never interprets bytes: decoding belongs to the codec, so live traffic and recorded
/// traces take the same path.
public final class NetlinkSocket {
    public let fd: Descriptor
    /// The port ID the kernel assigned (nlmsg_pid of our requests' replies).
    public private(set) var portID: UInt32 = 0
    private var buffer: [UInt8]

    /// Outcome of one non-blocking read.
    public enum Receive {
        /// One datagram (possibly several netlink messages).
        case datagram([UInt8])
        /// The kernel dropped messages because the receive buffer was full (ENOBUFS).
        case overrun
        /// Nothing to read now.
        case empty
    }

    /// Opens and binds a netlink socket of `protocol` (NETLINK_GENERIC = 16, NETLINK_ROUTE = 0).
    /// Extended acks are requested so errors carry the kernel's explanation.
    public init(protocol netlinkProtocol: Int32, receiveBufferBytes: Int = 1 << 20) throws(SystemError) {
        let s = try descriptorOrErrno(
            system_socket(
                AF_NETLINK,
                Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
                    | Int32(SOCK_NONBLOCK.rawValue), netlinkProtocol)
        )
        .orThrow("socket(AF_NETLINK)")
        fd = s
        buffer = [UInt8](repeating: 0, count: 65536)
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                system_bind(s, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
            }
        }
        guard bound == 0 else { let e = SystemError.last("bind(AF_NETLINK)"); s.close(); throw e }
        var length = socklen_t(MemoryLayout<sockaddr_nl>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { system_getsockname(s, $0, &length) }
        }
        portID = address.nl_pid
        setOption(level: Int32(SFD_SOL_NETLINK), NETLINK_EXT_ACK, 1)
        setOption(level: Int32(SFD_SOL_NETLINK), NETLINK_CAP_ACK, 1)
        setReceiveBuffer(bytes: receiveBufferBytes)
    }

    deinit { fd.close() }

    /// Sizes the receive buffer for event bursts. SO_RCVBUFFORCE (needs CAP_NET_ADMIN) goes
    /// past net.core.rmem_max; without the capability the capped SO_RCVBUF is used.
    /// Returns the size the kernel actually granted (it doubles the request for bookkeeping).
    @discardableResult
    public func setReceiveBuffer(bytes: Int) -> Int {
        if !setOption(level: SOL_SOCKET, SO_RCVBUFFORCE, Int32(clamping: bytes)) {
            setOption(level: SOL_SOCKET, SO_RCVBUF, Int32(clamping: bytes))
        }
        var granted: Int32 = 0
        var length = socklen_t(4)
        _ = system_getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &length)
        return Int(granted)
    }

    /// Joins a multicast group (a genl group ID or an RTNLGRP_* number).
    public func join(group: UInt32) throws(SystemError) {
        var g = group
        guard system_setsockopt(fd, Int32(SFD_SOL_NETLINK), NETLINK_ADD_MEMBERSHIP, &g, socklen_t(4)) == 0 else {
            throw SystemError.last("NETLINK_ADD_MEMBERSHIP", "group \(group)")
        }
    }

    /// Sends one request to the kernel.
    public func send(_ bytes: [UInt8]) throws(SystemError) {
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        let sent = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &kernel) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    retryingOnInterrupt {
                        system_sendto(
                            fd, raw.baseAddress, raw.count, 0, address, socklen_t(MemoryLayout<sockaddr_nl>.size))
                    }
                }
            }
        }
        _ = try sent.orThrow("sendto(netlink)")
    }

    /// Reads one datagram without blocking. Datagrams that do not come from the kernel
    /// (nl_pid != 0) are dropped: only the kernel speaks on these sockets.
    public func receive() throws(SystemError) -> Receive {
        while true {
            var from = sockaddr_nl()
            var fromLength = socklen_t(MemoryLayout<sockaddr_nl>.size)
            let received = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                        retryingOnInterrupt {
                            system_recvfrom(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), address, &fromLength)
                        }
                    }
                }
            }
            let n: Int
            switch received {
            case .success(let count): n = count
            case .failure(.wouldBlock): return .empty
            case .failure(.noBufferSpace): return .overrun
            case .failure(let error): throw SystemError(operation: "recvfrom(netlink)", errno: error)
            }
            if from.nl_pid != 0 { continue }
            return .datagram(Array(buffer[0..<n]))
        }
    }

    /// Reads the datagrams available now, at most `limit` of them: each goes to `datagram`,
    /// and `overrun` is called whenever the kernel reports messages it had to drop. Returns
    /// true when the socket is empty, false when the limit stopped the reading (the socket
    /// stays readable, so a level-triggered watch calls its owner again on the next turn).
    ///
    /// Why a limit: under a steady stream of events the socket may never be empty, and a
    /// drain that waits for that starves every other descriptor of the loop — the command
    /// socket whose answers then overflow, the control socket whose clients time out.
    @discardableResult
    public func drain(limit: Int = .max, datagram: ([UInt8]) -> Void, overrun: () -> Void) throws(SystemError) -> Bool {
        var read = 0
        while read < limit {
            switch try receive() {
            case .empty: return true
            case .overrun: overrun()
            case .datagram(let bytes): datagram(bytes)
            }
            read += 1
        }
        return false
    }

    @discardableResult
    private func setOption(level: Int32, _ name: Int32, _ value: Int32) -> Bool {
        var v = value
        return system_setsockopt(fd, level, name, &v, 4) == 0
    }
}
