import Glibc

/// CLOCK_MONOTONIC: the one clock of subflowd's timers, deadlines and time stamps (ELL's
/// timers, the loop's timerfd and every network namespace of a host share it). One reading,
/// `nowNanoseconds`, and its conversions; as a Swift `Clock` it also serves code written
/// against `Duration` (subflow-traffic's pacing, socket deadlines).
public struct MonotonicClock: Clock, Sendable {
    /// A point on CLOCK_MONOTONIC, in nanoseconds since the clock's (boot-time) origin.
    public struct Instant: InstantProtocol, Sendable, Hashable {
        public var nanoseconds: UInt64

        public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

        public var microseconds: UInt64 { nanoseconds / 1000 }
        public var milliseconds: UInt64 { nanoseconds / 1_000_000 }

        public func advanced(by duration: Duration) -> Instant {
            let delta = MonotonicClock.nanoseconds(in: duration)
            if delta >= 0 {
                let (sum, overflow) = nanoseconds.addingReportingOverflow(UInt64(delta))
                return Instant(nanoseconds: overflow ? .max : sum)
            }
            let back = delta.magnitude
            return Instant(nanoseconds: nanoseconds > back ? nanoseconds - back : 0)
        }

        public func duration(to other: Instant) -> Duration {
            other.nanoseconds >= nanoseconds
                ? .nanoseconds(other.nanoseconds - nanoseconds)
                : .zero - .nanoseconds(nanoseconds - other.nanoseconds)
        }

        public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }
    }

    public init() {}

    public var now: Instant { Self.now }
    public var minimumResolution: Duration { .nanoseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let left = now.duration(to: deadline)
        if left > .zero { try await Task.sleep(nanoseconds: UInt64(Self.nanoseconds(in: left))) }
    }

    public static var now: Instant { Instant(nanoseconds: nowNanoseconds) }

    public static var nowNanoseconds: UInt64 {
        var ts = timespec()
        _ = system_clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    public static var nowMicroseconds: UInt64 { nowNanoseconds / 1000 }
    public static var nowMilliseconds: UInt64 { nowNanoseconds / 1_000_000 }

    /// Blocks the calling thread for `duration` (nanosleep, resumed after a signal for the time
    /// left): for command-line tools that pace themselves without an event loop.
    public static func blockingSleep(for duration: Duration) {
        let deadline = now.advanced(by: duration)
        // After a signal, sleep again for the time left until the deadline.
        _ = retryingOnInterrupt { () -> Int32 in
            let left = nanoseconds(in: now.duration(to: deadline))
            guard left > 0 else { return 0 }
            var request = timespec(tv_sec: Int(left / 1_000_000_000), tv_nsec: Int(left % 1_000_000_000))
            var remaining = timespec()
            return system_nanosleep(&request, &remaining)
        }
    }

    /// Whole nanoseconds in `duration` (clamped to Int64).
    static func nanoseconds(in duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }

    /// Milliseconds in `duration`, rounded up so a short wait is never a busy zero-timeout poll.
    static func milliseconds(roundingUp duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let perMillisecond: Int64 = 1_000_000_000_000_000
        return seconds * 1000 + (attoseconds + perMillisecond - 1) / perMillisecond
    }
}

/// CLOCK_REALTIME: wall-clock time, for timestamps people read (pcap records).
public enum WallClock {
    public static var nowMicroseconds: UInt64 {
        var ts = timespec()
        _ = system_clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }
}
