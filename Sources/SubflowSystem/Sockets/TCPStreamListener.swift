import Glibc
import SubflowPolicy

/// A listening plain-TCP socket (IPv4 or IPv6), non-blocking, for a small server on the event
/// loop such as the metrics endpoint. SO_REUSEADDR is set so a restarted daemon can bind again
/// while old connections linger in TIME_WAIT.
public final class TCPStreamListener {
    public let address: SocketEndpoint
    /// The descriptor (`Descriptor.closed` once closed).
    public private(set) var fd: Descriptor

    private init(address: SocketEndpoint, fd: Descriptor) { self.address = address; self.fd = fd }

    deinit { close() }

    /// Binds and listens on `address` (port 0: the kernel picks one; see `boundAddress`).
    public static func listen(on address: SocketEndpoint, backlog: Int32 = 16) throws(SystemError) -> TCPStreamListener
    {
        let fd = try descriptorOrErrno(
            system_socket(
                address.family.domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                Int32(IPPROTO_TCP))
        ).orThrow("socket(IPPROTO_TCP)")
        do throws(SystemError) {
            var one: Int32 = 1
            _ = system_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            guard address.withSockaddr({ system_bind(fd, $0, $1) }) == 0 else {
                throw SystemError.last("bind", "\(address)")
            }
            try UnixStreamListener.setNonBlocking(fd)
            guard system_listen(fd, backlog) == 0 else { throw SystemError.last("listen", "\(address)") }
        } catch {
            fd.close()
            throw error
        }
        return TCPStreamListener(address: address, fd: fd)
    }

    /// The address actually bound (with the kernel's port when 0 was asked).
    public var boundAddress: SocketEndpoint {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { system_getsockname(fd, $0, &length) == 0 }
        }
        return ok ? SocketEndpoint(storage: storage) ?? address : address
    }

    /// Accepts one pending connection as a non-blocking descriptor with the peer's address;
    /// nil when none is waiting.
    public func accept() throws(SystemError) -> (fd: Descriptor, peer: SocketEndpoint?)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let client = try withUnsafeMutablePointer(to: &storage) { pointer throws(SystemError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(SystemError) in
                try AcceptedSocket.accept(
                    on: fd, operation: "accept(\(self.address))", address: address, length: &length)
            }
        }
        guard let client else { return nil }
        return (client, SocketEndpoint(storage: storage))
    }

    public func close() {
        guard fd != .closed else { return }
        fd.close()
        fd = .closed
    }
}
