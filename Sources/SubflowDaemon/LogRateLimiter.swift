/// Keeps one call site from flooding the log: a client that can make the daemon warn (a
/// refused connection, a bad request) could otherwise write thousands of lines a second.
/// Each site (file and line) may write `burst` lines per `windowMilliseconds`; the rest are
/// counted, and once that window is over the count is reported in one line before the next
/// line of any site ("N similar messages suppressed"). Pure: the caller passes the time.
struct LogRateLimiter {
    let burst: Int
    let windowMilliseconds: UInt64

    init(burst: Int = 10, windowMilliseconds: UInt64 = 10_000) {
        self.burst = burst
        self.windowMilliseconds = windowMilliseconds
    }

    private struct Site {
        var windowStart: UInt64
        var written = 0
        var suppressed = 0
        var lastSuppressed = ""
    }

    private var sites: [String: Site] = [:]
    /// Sites with a count to report, so that the common case looks at nothing else.
    private var owing: Set<String> = []

    /// The lines to write for one message from `site` at `now`: reports of windows that ended
    /// with messages suppressed, then the message itself unless it is suppressed.
    mutating func admit(_ message: String, site: String, now: UInt64) -> [String] {
        var lines = reportsDue(now: now)
        var entry = sites[site] ?? Site(windowStart: now)
        if now - entry.windowStart >= windowMilliseconds {
            entry = Site(windowStart: now)
        }
        if entry.written < burst {
            entry.written += 1
            lines.append(message)
        } else {
            entry.suppressed += 1
            entry.lastSuppressed = message
            owing.insert(site)
        }
        sites[site] = entry
        return lines
    }

    private mutating func reportsDue(now: UInt64) -> [String] {
        var lines: [String] = []
        for site in owing.sorted() {
            guard var entry = sites[site], now - entry.windowStart >= windowMilliseconds else { continue }
            lines.append(
                """
                \(entry.suppressed) similar messages suppressed in \(windowMilliseconds / 1000) s \
                (\(site)); the last: \(entry.lastSuppressed)
                """)
            entry.suppressed = 0
            sites[site] = entry
            owing.remove(site)
        }
        return lines
    }
}
