import Logging
import SubflowConfiguration
import SubflowCore
import SubflowPolicy
import SubflowSystem

/// The daemon's `ListenerBackend`: real MPTCP listening sockets (IPPROTO_MPTCP, SO_REUSEADDR)
/// on the addresses policies announce, so the kernel has somewhere to receive the peer's
/// MP_JOIN SYNs.
///
/// Joins never reach the accept queue: the kernel attaches each completed join to its
/// connection by token. What can land there is a *new* connection (MP_CAPABLE, or plain TCP)
/// that someone opened to this address:port, which no application serves — the connection
/// would have been refused without subflowd's socket. Left alone it would sit in the queue
/// and, once the queue is full, make the kernel drop join SYNs too. So the socket is watched,
/// and such a connection is accepted only to be reset at once (SO_LINGER 0: TCP RST, or
/// MP_FASTCLOSE for MPTCP), which is what the client would have seen without the listener.
final class ListenerSockets: ListenerBackend {
    private let loop: EventLoop
    private let logger: Logger
    private var sockets: [SocketEndpoint: (socket: MPTCPSocket, watch: FileWatch)] = [:]

    init(loop: EventLoop, logger: Logger) {
        self.loop = loop
        self.logger = logger
    }

    deinit { for endpoint in Array(sockets.keys) { closeListener(on: endpoint) } }

    func openListener(on endpoint: SocketEndpoint) -> ListenerOpenResult {
        if sockets[endpoint] != nil { return .opened }
        let socket: MPTCPSocket
        do {
            socket = try MPTCPSocket.listening(on: endpoint, backlog: 64)
            try socket.setNonBlocking(true)
        } catch {
            // EADDRINUSE: bind() found another socket listening on an overlapping address and port.
            if error.errno == .addressInUse { return .inUse }
            return .failed(errno: error.errno.rawValue, reason: "\(error)")
        }
        do {
            let watch = try loop.watchReadable(fd: socket.fd) { [weak self] in self?.refuseNewConnections(on: endpoint)
            }
            sockets[endpoint] = (socket, watch)
            return .opened
        } catch {
            socket.close()
            return .failed(errno: error.errno.rawValue, reason: "cannot watch the listener on \(endpoint): \(error)")
        }
    }

    func closeListener(on endpoint: SocketEndpoint) {
        guard let entry = sockets.removeValue(forKey: endpoint) else { return }
        entry.watch.cancel()
        entry.socket.close()
    }

    /// Resets every new connection waiting in the accept queue of the listener on `endpoint`.
    private func refuseNewConnections(on endpoint: SocketEndpoint) {
        guard let listener = sockets[endpoint]?.socket else { return }
        while true {
            let accepted: (socket: MPTCPSocket, peer: SocketEndpoint?)
            do { accepted = try listener.accept() } catch {
                if error.errno != .tryAgain {  // EAGAIN: the queue is empty
                    logger.warning("listener \(endpoint): accept failed: \(error)")
                }
                return
            }
            logger.info(
                """
                listener \(endpoint): reset a new connection from \(accepted.peer.map { "\($0)" } ?? "?"): \
                subflowd listens here only for joins to announced addresses, no application serves it
                """)
            accepted.socket.abort()
        }
    }
}
