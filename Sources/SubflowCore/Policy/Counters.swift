/// Running totals for the status command and metrics.
public struct Counters: Sendable, Hashable {
    /// Kernel events received, by event name (e.g. "SUB_ESTABLISHED").
    public var events: [String: Int] = [:]
    public var commandsSent = 0
    public var commandsFailed = 0
    /// Failed commands by errno.
    public var commandErrors: [Int32: Int] = [:]
    /// SUBFLOW_CREATE commands the kernel accepted, and those it refused.
    public var subflowsRequested = 0
    public var subflowRequestsFailed = 0
    /// Subflows that closed with an error (SUB_CLOSED with `error` or a reset reason).
    public var subflowsFailed = 0
    /// Times the kernel reported lost events (netlink ENOBUFS).
    public var eventOverruns = 0
    /// Resynchronisations from the kernel after lost events (several overruns in a burst
    /// make one), those that could not read the kernel, and what they found changed.
    public var eventResyncs = 0
    public var eventResyncFailures = 0
    public var connectionsAdoptedByResync = 0
    public var connectionsDroppedByResync = 0
    /// Times the kernel reported lost replies on the command socket, and the commands that
    /// were failed because their answer was lost or never came.
    public var replyOverruns = 0
    public var commandsUnanswered = 0
    /// Recovered subflows on a local address this host no longer has (or whose link is down),
    /// reported to their policy as unusable (start-up recovery and resyncs).
    public var recoveredSubflowsOnUnusableAddresses = 0
    /// Events naming a connection the daemon never saw.
    public var eventsForUnknownConnections = 0
    /// Events the kernel sent after a connection's CLOSED (ignored: they must not revive it).
    public var eventsAfterClose = 0
    /// Connections found gone by a liveness check (no CLOSED event arrived).
    public var connectionsVanished = 0
    /// Messages that could not be decoded.
    public var malformedMessages = 0

    public init() {}
}
