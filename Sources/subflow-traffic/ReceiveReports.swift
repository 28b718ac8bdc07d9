// What `subflow-traffic serve` prints while connections are open (--report-interval,
// --gap-report), on CLOCK_MONOTONIC so that other tools' timestamps (`link`, `clock`) can be
// compared with them.
import SubflowSystem

/// What `serve` reports while connections are open: received-bytes samples and silences.
struct ReceiveReports {
    var interval: Duration?
    var gapNanoseconds: UInt64?
    var nextSample: MonotonicClock.Instant?

    init(_ options: Options, clock: MonotonicClock) {
        interval = options.milliseconds("--report-interval")
        nextSample = interval.map { clock.now.advanced(by: $0) }
        if let text = options.values["--gap-report"] {
            guard let ms = Double(text), ms.isFinite, ms > 0 else {
                usageError("--gap-report must be a positive number of milliseconds")
            }
            gapNanoseconds = UInt64(ms * 1e6)
        }
    }

    /// How long `serve` may wait for data before a sample is due (nil: no sample to print).
    func wait(_ clock: MonotonicClock) -> Duration? {
        nextSample.map { max(.zero, clock.now.duration(to: $0)) }
    }

    /// A read returned data: report the silence before it (with the bytes received until
    /// then), if it lasted at least the --gap-report threshold.
    func received(_ connection: inout Connection, now: UInt64) {
        defer { connection.lastDataNanoseconds = now }
        guard let gapNanoseconds, let last = connection.lastDataNanoseconds, now - last >= gapNanoseconds else {
            return
        }
        var line = JSONLine(type: "gap")
        line.add("peer", connection.peer?.description ?? "?")
        line.add("from_ns", last)
        line.add("to_ns", now)
        line.add("ms", decimal: Double(now - last) / 1e6)
        line.add("bytes", connection.bytes)
        line.emit()
    }

    /// Prints one "received" line per connection when a sample is due.
    mutating func sampleIfDue(_ connections: [Connection], _ clock: MonotonicClock) {
        guard let due = nextSample, let interval, clock.now >= due else { return }
        let now = MonotonicClock.nowNanoseconds
        for connection in connections {
            var line = JSONLine(type: "received")
            line.add("peer", connection.peer?.description ?? "?")
            line.add("t", decimal: seconds(connection.started.duration(to: clock.now)))
            line.add("mono_ns", now)
            line.add("bytes", connection.bytes)
            line.emit()
        }
        var next = due.advanced(by: interval)
        while next <= clock.now { next = next.advanced(by: interval) }
        nextSample = next
    }
}
