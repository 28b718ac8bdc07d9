import Logging
import SubflowConfiguration
import SubflowSystem

/// Log lines on standard error, one per event. Under systemd (JOURNAL_STREAM set) each line
/// starts with a `<N>` syslog priority so the journal files it at the right level and adds
/// its own timestamps; on a terminal, seconds since start are shown instead. Warnings and
/// worse are rate-limited per call site (`LogRateLimiter`): those are what outside input can
/// provoke, while the lower levels narrate the daemon's own work.
public struct StandardErrorLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public let label: String
    /// Level and target live in a shared box so that a configuration reload changes them for
    /// every logger already handed out.
    private let settings: LogSettings
    private let underSystemd: Bool
    private let start: UInt64

    public init(label: String, settings: LogSettings) {
        self.label = label
        self.settings = settings
        self.underSystemd = ProcessEnvironment.value("JOURNAL_STREAM") != nil
        self.start = MonotonicClock.nowMilliseconds
    }

    public var logLevel: Logger.Level {
        get { settings.target == .null ? .critical : settings.level }
        set { settings.level = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        if settings.target == .null { return }
        let now = MonotonicClock.nowMilliseconds
        let messages =
            event.level >= .warning
            ? settings.limiter.admit("\(event.message)", site: "\(event.file):\(event.line)", now: now)
            : ["\(event.message)"]
        for message in messages {
            if settings.target == .journal || underSystemd {
                StandardStream.error.writeLine("<\(event.level.syslogPriority)>\(message)")
            } else {
                let ms = now - start
                let stamp = "\(ms / 1000).\(String(1000 + ms % 1000).dropFirst())"
                StandardStream.error.writeLine(
                    "[\(String(repeating: " ", count: max(0, 8 - stamp.count)))\(stamp)] \(event.level): \(message)")
            }
        }
    }
}

extension Logger.Level {
    /// syslog(3) priorities.
    var syslogPriority: Int {
        switch self {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}

/// The logging settings a reload may change, shared by every handler. The entry point makes
/// one from the configuration, bootstraps logging with it and hands it to `Daemon`.
public final class LogSettings: @unchecked Sendable {
    // Only the event-loop thread reads and writes these (logging happens there too).
    var level: Logger.Level
    var target: Configuration.LogTarget
    var limiter = LogRateLimiter()
    public init(level: Logger.Level, target: Configuration.LogTarget) { self.level = level; self.target = target }
}
