import SubflowSystem

/// Paced connection attempts, shared by `churn` and `storm`: attempt `n` (from 0) is due
/// `n / rate` seconds after the start, so the tool is never faster than asked; behind schedule
/// the next attempt goes at once (no burst to catch up).
struct Pacing {
    let started: MonotonicClock.Instant
    /// Attempts per second; nil: as fast as they connect.
    let rate: Double?

    /// `--rate R` of `options` (R > 0), or nil when the option is absent.
    static func rate(_ options: Options) -> Double? {
        options.values["--rate"].map { text in
            guard let value = Double(text), value.isFinite, value > 0 else {
                usageError("--rate must be a positive number of connections per second, not '\(text)'")
            }
            return value
        }
    }

    /// When attempt `attempt` is due (the start itself without a rate).
    func due(_ attempt: Int) -> MonotonicClock.Instant {
        guard let rate else { return started }
        return started.advanced(by: .nanoseconds(Int64(Double(attempt) / rate * 1e9)))
    }
}
