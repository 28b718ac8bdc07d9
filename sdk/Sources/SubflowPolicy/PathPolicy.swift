import Synchronization

/// Severity of a policy's log line. The daemon prints `info` and above by default.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable, CustomStringConvertible {
    case debug, info, notice, warning, error
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { ["debug", "info", "notice", "warning", "error"][rawValue] }
}

/// A pending timer set by a policy. Cancelling an already fired task does nothing.
public protocol ScheduledTask: AnyObject {
    func cancel()
}

/// What the daemon offers a policy. Every member must be used on the event-loop thread,
/// i.e. from inside a `PathPolicy` callback or a scheduled task; never from another thread.
public protocol PolicyContext: AnyObject {
    /// The current state of one connection (nil once it closed), including the event being delivered.
    func connection(_ token: ConnectionToken) -> ConnectionState?
    /// Every connection this policy is in charge of, ordered by token.
    var connections: [ConnectionState] { get }
    /// Every interface the monitor knows, ordered by index.
    var interfaces: [NetworkInterface] { get }
    /// Local addresses that are usable now (link up, carrier, not filtered out), ordered.
    var usableAddresses: [LocalAddress] { get }
    /// Queues a command for the kernel. Its result comes back through
    /// `PathPolicy.commandCompleted(_:result:)`, in the order commands were sent.
    func send(_ command: PathCommand)
    /// Milliseconds on a monotonic clock. During replay this is the recording's clock.
    var nowMilliseconds: UInt64 { get }
    /// Runs `action` on the event-loop thread after `milliseconds` (on the same clock as `nowMilliseconds`).
    @discardableResult
    func schedule(afterMilliseconds milliseconds: UInt64, _ action: @escaping () -> Void) -> any ScheduledTask
    /// Writes one line to the daemon's log, prefixed with the policy's name.
    func log(_ level: LogLevel, _ message: String)
}

/// A path-management policy. subflowd creates one instance per loaded policy and calls it on
/// its single event-loop thread only, so an implementation needs no locks. A callback must
/// return quickly: it runs on the thread that also reads the kernel's events.
public protocol PathPolicy: AnyObject {
    /// One event, after the daemon updated its state with it.
    func handle(_ event: PolicyEvent)
    /// The kernel's answer to a command this policy sent.
    func commandCompleted(_ command: PathCommand, result: CommandResult)
    /// The daemon is shutting down or unloading the policy: cancel timers, drop state.
    func stop()
}

extension PathPolicy {
    public func commandCompleted(_ command: PathCommand, result: CommandResult) {}
    public func stop() {}
}

/// Settings handed to a policy at creation: `key = value` pairs from the daemon's
/// configuration (the section for this policy), read through typed accessors that reject
/// malformed values with a message naming the key.
public struct PolicySettings: Sendable, Hashable {
    public var values: [String: String]
    /// Keys the policy asked for: the daemon reports any other key as unknown (a typo in the
    /// configuration must not pass silently).
    private let reads = KeyReads()

    public init(_ values: [String: String] = [:]) { self.values = values }

    /// Keys read through the accessors below, so far.
    public var keysRead: Set<String> { reads.keys }

    /// Keys that were given but never read by the policy.
    public var unreadKeys: [String] { values.keys.filter { !reads.keys.contains($0) }.sorted() }

    public static func == (a: Self, b: Self) -> Bool { a.values == b.values }
    public func hash(into hasher: inout Hasher) { hasher.combine(values) }

    public func string(_ key: String, default fallback: String) -> String {
        reads.note(key)
        return values[key] ?? fallback
    }

    public func integer(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        reads.note(key)
        guard let text = values[key] else { return fallback }
        guard let v = Int(text), range.contains(v) else {
            throw PolicySettingError(
                key: key, value: text,
                expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    public func boolean(_ key: String, default fallback: Bool) throws -> Bool {
        reads.note(key)
        guard let text = values[key] else { return fallback }
        switch text.lowercased() {
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default: throw PolicySettingError(key: key, value: text, expected: "yes or no")
        }
    }

    /// A comma- or space-separated list (empty entries dropped).
    public func list(_ key: String) -> [String] {
        reads.note(key)
        guard let text = values[key] else { return [] }
        return text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
    }
}

/// The keys a policy read. Policies are created on the daemon's one thread; the lock only
/// keeps the type honestly Sendable.
final class KeyReads: Sendable {
    private let read = Mutex<Set<String>>([])
    func note(_ key: String) { read.withLock { _ = $0.insert(key) } }
    var keys: Set<String> { read.withLock { $0 } }
}

/// A setting a policy could not accept.
public struct PolicySettingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var key: String
    public var value: String
    public var expected: String
    public init(key: String, value: String, expected: String) {
        self.key = key; self.value = value; self.expected = expected
    }
    public var description: String { "\(key) = \(value): expected \(expected)" }
}
