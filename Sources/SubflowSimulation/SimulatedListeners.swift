import SubflowCore
import SubflowPolicy

/// A `ListenerBackend` for tests and replay: records what would be opened and closed, and
/// answers like bind() would for endpoints declared busy or unusable.
public final class SimulatedListeners: ListenerBackend {
    /// Endpoints listened on now.
    public private(set) var open: Set<SocketEndpoint> = []
    /// Every call, in order: "open 198.18.2.2:5201", "close 198.18.2.2:5201".
    public private(set) var calls: [String] = []
    /// Endpoints where bind() fails with EADDRINUSE (someone subflowd cannot see listens there).
    public var inUse: Set<SocketEndpoint> = []
    /// Endpoints where bind() fails otherwise (e.g. EADDRNOTAVAIL), with that errno.
    public var failing: [SocketEndpoint: Int32] = [:]
    /// Called on each successful open, e.g. to note what the kernel had been sent by then.
    public var onOpen: (SocketEndpoint) -> Void = { _ in }

    public init() {}

    public func openListener(on endpoint: SocketEndpoint) -> ListenerOpenResult {
        calls.append("open \(endpoint)")
        if inUse.contains(endpoint) { return .inUse }
        if let errno = failing[endpoint] { return .failed(errno: errno, reason: "bind(\(endpoint)): errno \(errno)") }
        open.insert(endpoint)
        onOpen(endpoint)
        return .opened
    }

    public func closeListener(on endpoint: SocketEndpoint) {
        calls.append("close \(endpoint)")
        open.remove(endpoint)
    }
}
