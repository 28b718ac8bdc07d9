import Logging
import SubflowPolicy

/// Keeps every address:port that a connection announced covered by an MPTCP listener, so
/// that the peer's joins to it are not refused — transparently to policies.
///
/// The kernel creates no listener for a userspace ANNOUNCE. A peer that receives ADD_ADDR for
/// address A (port P, or the connection's own local port when the ADD_ADDR carries none) sends
/// its MP_JOIN SYN to A:P, and the kernel resets it unless an MPTCP socket listens on A:P or
/// on a wildcard covering it. So for each announced endpoint:
///
/// - it is *covered* when a foreign MPTCP listener on it, or on the wildcard of its family
///   (`0.0.0.0:P`; `[::]:P` also for IPv4), was reported (LISTENER_CREATED, no LISTENER_CLOSED
///   since), or when subflowd listens there itself;
/// - otherwise subflowd opens a listener there (through `backend`) — before the ANNOUNCE is sent,
///   so the first join cannot arrive first. If bind() says EADDRINUSE someone else already
///   listens (e.g. a program started before subflowd): that counts as covered;
/// - every connection that announced it holds a reference; a successful REMOVE of that
///   address ID or the connection's end releases it; the last release closes subflowd's socket.
///
/// A foreign listener that goes away is not replaced for connections that already announced
/// through it: taking the port over would make the program's next bind() there fail.
/// All of this runs on the event-loop thread.
public final class ListenerManager {
    /// How an announced endpoint is covered.
    public enum Cover: Sendable, Hashable, CustomStringConvertible {
        /// subflowd's own listening socket.
        case ownSocket
        /// Another program's MPTCP listener, reported by the kernel.
        case listener(SocketEndpoint)
        /// bind() said EADDRINUSE: someone listens there already.
        case inUse
        /// The listener that covered it closed; joins are refused until one appears.
        case lost(SocketEndpoint)
        /// subflowd could not listen there.
        case failed(String)
        /// No `backend`: listeners are not managed here (replay, tests without one).
        case unmanaged

        public var description: String {
            switch self {
            case .ownSocket: return "subflowd's listener"
            case .listener(let l): return "the MPTCP listener \(l)"
            case .inUse: return "a listener subflowd cannot see (EADDRINUSE)"
            case .lost(let l): return "nothing (its listener \(l) closed)"
            case .failed(let why): return "nothing (\(why))"
            case .unmanaged: return "unmanaged"
            }
        }
    }

    /// Where sockets are opened and closed; nil leaves listeners unmanaged.
    public var backend: (any ListenerBackend)?
    private let logger: Logger
    private var coverage = ListenerCoverage()
    /// The connections that announced each endpoint (the ANNOUNCE sent, no REMOVE since).
    private var holders: [SocketEndpoint: Set<ConnectionToken>] = [:]
    private var covers: [SocketEndpoint: Cover] = [:]
    /// Each connection's announced endpoints by local address ID, to release them on REMOVE.
    private var announced: [ConnectionToken: [AddressID: SocketEndpoint]] = [:]

    public init(logger: Logger, backend: (any ListenerBackend)? = nil) {
        self.logger = logger
        self.backend = backend
    }

    /// Endpoints subflowd itself listens on now, ordered.
    public var ownListeners: [SocketEndpoint] { covers.filter { $0.value == .ownSocket }.keys.sorted() }
    /// How `endpoint` is covered, while some connection has it announced.
    public func cover(of endpoint: SocketEndpoint) -> Cover? { covers[endpoint] }
    /// The connections that have `endpoint` announced.
    public func holders(of endpoint: SocketEndpoint) -> Set<ConnectionToken> { holders[endpoint] ?? [] }

    // MARK: References

    /// Connection `token` announces `endpoint` (the address and the port the peer will join)
    /// under local address `id`.
    public func acquire(_ endpoint: SocketEndpoint, id: AddressID, for token: ConnectionToken) {
        let endpoint = Self.normalised(endpoint)
        let previous = announced[token]?[id]
        announced[token, default: [:]][id] = endpoint
        if let previous, previous != endpoint {
            release(previous, for: token, reason: "connection \(token) announced id \(id) at \(endpoint) instead")
        }
        var tokens = holders[endpoint] ?? []
        let inserted = tokens.insert(token).inserted
        holders[endpoint] = tokens
        switch covers[endpoint] {
        case .none, .failed?, .lost?:
            covers[endpoint] = establishCover(for: endpoint, because: "connection \(token) announces it")
        case let cover?:
            if inserted {
                logger.debug(
                    "listener: \(endpoint) announced by connection \(token) too; covered by \(cover) (\(tokens.count) connections)"
                )
            }
        }
    }

    /// The kernel removed local address `id` of connection `token` (REMOVE succeeded).
    public func removed(id: AddressID, for token: ConnectionToken) {
        guard let endpoint = announced[token]?.removeValue(forKey: id) else { return }
        release(endpoint, for: token, reason: "connection \(token) removed address id \(id)")
    }

    /// Connection `token` ended: every endpoint it announced is released.
    public func connectionClosed(_ token: ConnectionToken) {
        guard let ids = announced.removeValue(forKey: token) else { return }
        for endpoint in Set(ids.values).sorted() {
            release(endpoint, for: token, reason: "connection \(token) closed")
        }
    }

    /// Closes every socket subflowd opened (daemon shutdown).
    public func closeAll() {
        for endpoint in ownListeners {
            backend?.closeListener(on: endpoint)
            coverage.expectOwnClosed(endpoint)
            logger.info("listener: closed \(endpoint): subflowd is stopping")
        }
        holders = [:]; covers = [:]; announced = [:]
    }

    private func release(_ endpoint: SocketEndpoint, for token: ConnectionToken, reason: String) {
        guard var tokens = holders[endpoint] else { return }
        // The same connection may hold it under another ID only if it announced it twice.
        if announced[token]?.values.contains(endpoint) == true { return }
        tokens.remove(token)
        if !tokens.isEmpty {
            holders[endpoint] = tokens
            logger.debug(
                "listener: \(endpoint) released by connection \(token) (\(reason)); still announced by \(tokens.count)")
            return
        }
        holders[endpoint] = nil
        guard covers.removeValue(forKey: endpoint) == .ownSocket else { return }
        backend?.closeListener(on: endpoint)
        coverage.expectOwnClosed(endpoint)
        logger.info("listener: closed \(endpoint): \(reason) and no other connection announces it")
    }

    // MARK: Kernel listener events

    /// MPTCP_EVENT_LISTENER_CREATED.
    public func listenerCreated(_ endpoint: SocketEndpoint) {
        guard coverage.created(endpoint) else {
            return logger.debug("listener: kernel confirms subflowd's listener on \(endpoint)")
        }
        for (held, cover) in covers.sorted(by: { $0.key < $1.key }) where ListenerCoverage.covers(endpoint, held) {
            switch cover {
            case .lost, .failed:
                covers[held] = .listener(endpoint)
                logger.info("listener: \(held) is covered again, by the new MPTCP listener \(endpoint)")
            default:
                break
            }
        }
    }

    /// MPTCP_EVENT_LISTENER_CLOSED.
    public func listenerClosed(_ endpoint: SocketEndpoint) {
        guard coverage.closed(endpoint) else { return }
        for (held, cover) in covers.sorted(by: { $0.key < $1.key }) where cover == .listener(endpoint) {
            if let other = coverage.listener(covering: held) {
                covers[held] = .listener(other)
                logger.info("listener: \(endpoint) closed; \(held) stays covered by \(other)")
                continue
            }
            covers[held] = .lost(endpoint)
            let tokens = (holders[held] ?? []).sorted().map(\.description).joined(separator: ", ")
            logger.warning(
                """
                listener: the MPTCP listener \(endpoint) closed; the peers of connections \(tokens) \
                will have their joins to \(held) refused. subflowd does not take the port over \
                (the program could not listen there again); a new announcement of it will.
                """)
        }
    }

    // MARK: Covering

    private func establishCover(for endpoint: SocketEndpoint, because reason: String) -> Cover {
        if let listener = coverage.listener(covering: endpoint) {
            logger.info("listener: \(endpoint) (\(reason)) is covered by the MPTCP listener \(listener)")
            return .listener(listener)
        }
        guard let backend else {
            logger.debug("listener: \(endpoint) (\(reason)) is not covered; listeners are not managed here")
            return .unmanaged
        }
        switch backend.openListener(on: endpoint) {
        case .opened:
            coverage.expectOwnCreated(endpoint)
            logger.info("listener: opened an MPTCP listener on \(endpoint): \(reason) and no MPTCP listener covers it")
            return .ownSocket
        case .inUse:
            logger.info(
                "listener: \(endpoint) (\(reason)): another socket already listens there (EADDRINUSE); joins go to it")
            return .inUse
        case .failed(_, let why):
            logger.warning(
                "listener: cannot listen on \(endpoint) (\(reason)): \(why); the peer's joins to it will be refused")
            return .failed(why)
        }
    }

    /// v4-mapped addresses become plain IPv4: joins to them arrive as IPv4.
    static func normalised(_ endpoint: SocketEndpoint) -> SocketEndpoint {
        SocketEndpoint(endpoint.address.unmappedIPv4 ?? endpoint.address, port: endpoint.port)
    }
}
