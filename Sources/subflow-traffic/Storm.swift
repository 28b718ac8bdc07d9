// `subflow-traffic storm`: many short MPTCP connections at a target rate, for bench/storm.sh.
// Each connection is opened (blocking connect with a deadline), left idle for --hold-ms so the
// path manager has time to add subflows, and closed. Connects are sequential: run several
// storm processes side by side to go beyond what one process manages.
import SubflowSystem

/// What the storm did, in total and per second.
struct StormTally {
    var attempted = 0
    var established = 0
    var failed = 0
    var timedOut = 0

    mutating func count(_ result: Result<MPTCPSocket, SystemError>) {
        attempted += 1
        switch result {
        case .success: established += 1
        case .failure(let error):
            failed += 1
            if error.errno == .timedOut { timedOut += 1 }
        }
    }

    func add(to line: inout JSONLine) {
        line.add("attempted", attempted)
        line.add("established", established)
        line.add("failed", failed)
        line.add("timed_out", timedOut)
    }
}

/// Open connections in the order they were opened; with one hold time for all, that is also
/// the order in which they are due to close.
struct OpenConnections {
    private var entries: [(socket: MPTCPSocket, closeAt: MonotonicClock.Instant)] = []
    private var head = 0

    var count: Int { entries.count - head }

    mutating func append(_ socket: MPTCPSocket, closeAt: MonotonicClock.Instant) {
        entries.append((socket, closeAt))
    }

    /// Closes the connections due at `now` (all of them with `now` nil), sparing the newest
    /// `sparing`: those stay open until the storm is over.
    mutating func close(dueAt now: MonotonicClock.Instant?, sparing: Int) {
        while count > sparing, now.map({ entries[head].closeAt <= $0 }) ?? true {
            entries[head].socket.close()
            head += 1
        }
        if head > 4096 && head * 2 > entries.count {  // drop closed entries now and then
            entries.removeFirst(head)
            head = 0
        }
    }
}

func storm(_ options: Options) -> Never {
    let port = options.port()
    guard let remote = options.address("--to", port: port) else { usageError("missing --to") }
    let length = options.duration("--seconds") ?? .seconds(10)
    let hold = options.milliseconds("--hold-ms") ?? .milliseconds(100)
    let keep =
        options.values["--keep"].map { text -> Int in
            guard let n = Int(text), n >= 0 else {
                usageError("--keep must be a number of connections >= 0, not '\(text)'")
            }
            return n
        } ?? 0
    let keepFor = options.duration("--keep-seconds") ?? .seconds(10)
    let connectTimeout = options.duration("--connect-timeout") ?? .seconds(2)
    let clock = MonotonicClock()

    var total = StormTally()
    var thisSecond = StormTally()
    var open = OpenConnections()
    var firstError: SystemError?
    let started = clock.now
    let pacing = Pacing(started: started, rate: Pacing.rate(options))
    let end = started.advanced(by: length)
    var secondEnds = started.advanced(by: .seconds(1))
    var second = 1

    func reportSecond() {
        var line = JSONLine(type: "storm_second")
        line.add("t", second)
        thisSecond.add(to: &line)
        line.add("open", open.count)
        line.emit()
        thisSecond = StormTally()
        second += 1
        secondEnds = secondEnds.advanced(by: .seconds(1))
    }

    while clock.now < end {
        let now = clock.now
        while now >= secondEnds { reportSecond() }
        open.close(dueAt: now, sparing: keep)
        let due = pacing.due(total.attempted)  // "attempted" is what was tried, not caught up
        if now < due {
            MonotonicClock.blockingSleep(for: min(now.duration(to: due), now.duration(to: secondEnds)))
            continue
        }
        let result: Result<MPTCPSocket, SystemError>
        do { result = .success(try MPTCPSocket.connect(to: remote, timeout: connectTimeout)) } catch {
            result = .failure(error)
        }
        total.count(result)
        thisSecond.count(result)
        switch result {
        case .success(let socket): open.append(socket, closeAt: clock.now.advanced(by: hold))
        case .failure(let error): if firstError == nil { firstError = error }
        }
    }
    if clock.now >= secondEnds { reportSecond() }

    let elapsed = seconds(started.duration(to: clock.now))
    var summary = JSONLine(type: "storm")
    summary.add("seconds", decimal: elapsed)
    total.add(to: &summary)
    summary.add("attempted_per_second", decimal: Double(total.attempted) / elapsed)
    summary.add("established_per_second", decimal: Double(total.established) / elapsed)
    if let firstError { summary.add("first_error", firstError.description) }
    summary.emit()

    // The newest connections stay open, idle, so that the caller can compare what the path
    // manager made of them with the kernel's view once the storm is over.
    open.close(dueAt: nil, sparing: keep)
    var kept = JSONLine(type: "kept")
    kept.add("connections", open.count)
    kept.add("seconds", decimal: seconds(keepFor))
    kept.emit()
    let keepEnd = clock.now.advanced(by: keepFor)
    while clock.now < keepEnd {
        MonotonicClock.blockingSleep(for: min(clock.now.duration(to: keepEnd), .milliseconds(100)))
    }
    open.close(dueAt: nil, sparing: 0)
    ProcessEnvironment.exit(0)
}
