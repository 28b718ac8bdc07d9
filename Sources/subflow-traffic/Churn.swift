import SubflowFormats
import SubflowSystem

/// `churn`: many short MPTCP connections, as fast as asked — each one connects and closes at
/// once — so that the path manager's event stream bursts (overrun tests, load benchmarks).
/// With `--hold S` they all stay open until S seconds after the last one connected (to give a
/// path manager thousands of connections to follow). Prints one line once they are open:
///   {"type":"churn","opened":N,"failed":F,"seconds":X,"per_second":Y}
/// and the first failure on standard error.
func churn(_ options: Options) -> Never {
    let port = options.port()
    guard let remote = options.address("--to", port: port) else { usageError("missing --to") }
    let local = options.address("--bind", port: 0)
    let count =
        options.values["--count"].map { text -> Int in
            guard let n = Int(text), n > 0 else { usageError("--count must be a positive number, not '\(text)'") }
            return n
        } ?? 1000
    let connectTimeout = options.duration("--connect-timeout") ?? .seconds(5)
    let hold = options.duration("--hold")
    var held: [MPTCPSocket] = []
    let transport: MPTCPSocket.Transport = options.flags.contains("--tcp") ? .tcp : .mptcp
    let clock = MonotonicClock()
    let started = clock.now
    let pacing = Pacing(started: started, rate: Pacing.rate(options))
    var opened = 0, failed = 0
    for index in 0..<count {
        let nap = clock.now.duration(to: pacing.due(index))
        if nap > .zero { MonotonicClock.blockingSleep(for: nap) }
        do {
            let socket = try MPTCPSocket.connect(to: remote, from: local, timeout: connectTimeout, transport: transport)
            if hold == nil { socket.close() } else { held.append(socket) }
            opened += 1
        } catch {
            if failed == 0 {
                StandardStream.error.writeLine("subflow-traffic: churn: connection \(index + 1): \(error)")
            }
            failed += 1
        }
    }
    let elapsed = started.duration(to: clock.now)
    var line = JSONLine(type: "churn")
    line.add("opened", opened)
    line.add("failed", failed)
    line.add("seconds", decimal: seconds(elapsed))
    line.add("per_second", decimal: seconds(elapsed) > 0 ? Double(opened) / seconds(elapsed) : 0)
    line.emit()
    if let hold {
        MonotonicClock.blockingSleep(for: hold)
        for socket in held { socket.close() }
    }
    ProcessEnvironment.exit(failed == 0 ? ExitStatus.success : generalFailure)
}
