import Glibc
import Logging
import SubflowSystem

/// Log lines on standard error, one per event. Under systemd (JOURNAL_STREAM set) each line
/// starts with a `<N>` syslog priority so the journal files it at the right level and adds
/// its own timestamps; on a terminal, seconds since start are shown instead.
struct StandardErrorLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let label: String
    private let journal: Bool
    private let start: UInt64

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
        self.journal = getenv("JOURNAL_STREAM") != nil
        self.start = MonotonicClock.nowMilliseconds
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let line: String
        if journal {
            line = "<\(event.level.syslogPriority)>\(event.message)"
        } else {
            let ms = MonotonicClock.nowMilliseconds - start
            let stamp = "\(ms / 1000).\(String(1000 + ms % 1000).dropFirst())"
            line = "[\(String(repeating: " ", count: max(0, 8 - stamp.count)))\(stamp)] \(event.level): \(event.message)"
        }
        StandardStream.error.writeLine(line)
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
