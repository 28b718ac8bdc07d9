import SubflowFormats
import SubflowPolicy
// subflow-traffic: makes real MPTCP connections for subflowd's end-to-end tests.
//
//   subflow-traffic serve --port P [--bind ADDR] [--once] [--report-interval MS] [--gap-report MS]
//   subflow-traffic send --to ADDR --port P [--bind ADDR] [--seconds S | --bytes N] [--hold S]
//                        [--report-interval MS] [--connect-timeout S]
//   subflow-traffic storm --to ADDR --port P [--rate N] [--seconds S] [--hold-ms MS] [--keep N]
//                         [--keep-seconds S] [--connect-timeout S]
//   subflow-traffic churn --to ADDR --port P [--bind ADDR] [--count N] [--rate R]
//   subflow-traffic clock
//   subflow-traffic link DEV up|down
//
// Output: one JSON object per line on standard output (see `usage`); diagnostics on standard
// error. Exit status: 0 success, 1 runtime failure (connect refused, timeout, …), 64 bad usage,
// 69 MPTCP unavailable in this network namespace.
import SubflowSystem

let usage = """
    usage: subflow-traffic serve --port P [--bind ADDR] [--once] [--tcp] [--backlog N] [--report-interval MS] [--gap-report MS]
           subflow-traffic send --to ADDR --port P [--bind ADDR] [--seconds S | --bytes N]
                                [--hold S] [--report-interval MS] [--connect-timeout S] [--tcp]
           subflow-traffic storm --to ADDR --port P [--rate N] [--seconds S] [--hold-ms MS]
                                 [--keep N] [--keep-seconds S] [--connect-timeout S]
           subflow-traffic churn --to ADDR --port P [--bind ADDR] [--count N] [--rate R]
                                 [--hold S] [--connect-timeout S] [--tcp]
           subflow-traffic clock
           subflow-traffic link DEV up|down

    --abort-after MS  (serve) abort each connection MS milliseconds after accepting it: close
           with SO_LINGER 0, which MPTCP turns into MP_FASTCLOSE (for tests of the peer's side).
    --tcp  plain TCP instead of MPTCP (a baseline for benchmarks; MPTCP fields are then null).

    serve  MPTCP listener on ADDR:P (default ADDR 0.0.0.0; use :: for IPv6). Reads and discards
           everything; for each finished connection prints
             {"type":"connection","local":..,"peer":..,"bytes":N,"seconds":X,"mbps":Y,
              "subflows":K,"extra_subflows":E,"token":T,"fallback":false}
           --once: exit after the first connection. Prints {"type":"listening",..} when ready.
           --backlog N: the listen() backlog (default 128; raise it for storms of connections).
           --report-interval MS prints, for each open connection, every MS milliseconds
             {"type":"received","peer":..,"t":X,"mono_ns":N,"bytes":B}
           (bytes received so far; t = seconds since accept; mono_ns = CLOCK_MONOTONIC).
           --gap-report MS prints, when data arrives after MS milliseconds or more without any,
             {"type":"gap","peer":..,"from_ns":A,"to_ns":B,"ms":X,"bytes":B}
           (A, B: CLOCK_MONOTONIC of the last read before and the first read after the silence;
           MS may have decimals, e.g. 0.5).
    send   Connects over MPTCP (from --bind ADDR if given), prints {"type":"connected",..,"token":T},
           sends zeros for S seconds (default 1) or N bytes (suffix k/m/g = 2^10/2^20/2^30),
           waits until the peer acknowledged every byte and prints
             {"type":"sent","bytes":N,"seconds":X,"mbps":Y,"subflows":K,..}
           then keeps the connection open and idle for --hold seconds, then closes and prints
             {"type":"summary","bytes":N,"seconds":X,"mbps":Y,"subflows":K,"token":T,..}
           seconds/mbps measure connect → last byte acknowledged. --report-interval MS prints
             {"type":"sample","t":X,"bytes":N,"subflows":K}
           every MS milliseconds during sending and holding.
    storm  Opens short MPTCP connections one after the other for S seconds (default 10), N a
           second (default: as fast as they connect); each stays open and idle for --hold-ms
           (default 100), then is closed. Prints every second
             {"type":"storm_second","t":K,"attempted":A,"established":E,"failed":F,"timed_out":T,"open":O}
           then {"type":"storm","seconds":X,"attempted":..,"established":..,"failed":..,
           "attempted_per_second":..,"established_per_second":..[,"first_error":..]}. The newest
           --keep connections (default 0) are not closed: they stay open for --keep-seconds
           (default 10) after the storm, announced by {"type":"kept","connections":K,"seconds":X},
           then are closed. Connect timeout default 2 s.
    churn  Opens N (default 1000) connections one after the other, at most R per second
           (default: as fast as possible), each closed as soon as it is connected (--hold S:
           all kept open until S seconds after the last one connected); then prints
             {"type":"churn","opened":N,"failed":F,"seconds":X,"per_second":Y}
           (exit status 1 if any failed). For bursts of path-manager events.
    clock  Prints CLOCK_MONOTONIC in nanoseconds (shared by all network namespaces).
    link   Sets DEV up or down (SIOCSIFFLAGS) and prints when, on CLOCK_MONOTONIC:
             {"type":"link","device":DEV,"up":B,"before_ns":N,"after_ns":M}
    "subflows" counts TCP subflows including the initial one ("extra_subflows" = joins only, what
    `ss -M` prints as subflows:). "token" is this host's MPTCP token (null after a fallback to TCP).
    """

/// Any other failure (a socket or a connection that failed): 1, as for most tools.
let generalFailure: Int32 = 1

func fail(_ message: String, status: Int32 = generalFailure) -> Never {
    StandardStream.error.writeLine("subflow-traffic: \(message)")
    ProcessEnvironment.exit(status)
}

func usageError(_ message: String) -> Never {
    StandardStream.error.writeLine("subflow-traffic: \(message)\n\(usage)")
    ProcessEnvironment.exit(ExitStatus.usage)
}

func socketFailure(_ error: SystemError) -> Never {
    if error.isMPTCPUnavailable && error.operation.hasPrefix("socket(") {
        fail("MPTCP is not available: sysctl net.mptcp.enabled=1 (\(error))", status: ExitStatus.unavailable)
    }
    fail("\(error)")
}

// MARK: - JSON lines

/// One JSON object per output line, keys in insertion order: a thin builder over the project's
/// one JSON writer (SubflowFormats' JSONObject), with the value types this tool prints.
struct JSONLine {
    private var object = JSONObject()

    init(type: String) { add("type", type) }

    mutating func add(_ key: String, _ value: String) { object[key] = .string(value) }
    mutating func add(_ key: String, _ value: Int) { object[key] = .number(value) }
    mutating func add(_ key: String, _ value: UInt64) { object[key] = .number(value) }
    mutating func add(_ key: String, _ value: Bool) { object[key] = .bool(value) }
    mutating func add(_ key: String, _ value: UInt32?) { object[key] = value.map { .number($0) } ?? .null }
    /// A finite number rounded to three decimals (null if not finite).
    mutating func add(_ key: String, decimal value: Double) {
        object[key] = value.isFinite ? .double((value * 1000).rounded() / 1000) : .null
    }

    func emit() { StandardStream.output.writeLine(JSONValue.object(object).text) }
}

extension JSONLine {
    /// subflows / extra_subflows / token / fallback from MPTCP_INFO (nil = fell back to TCP).
    mutating func addMPTCP(_ info: MPTCPInfo?) {
        add("subflows", info?.subflows ?? 1)
        add("extra_subflows", Int(info?.extraSubflows ?? 0))
        add("token", info?.token)
        add("fallback", info == nil || info!.isFallback)
    }
}

func seconds(_ duration: Duration) -> Double {
    let (s, atto) = duration.components
    return Double(s) + Double(atto) / 1e18
}

func megabitsPerSecond(bytes: UInt64, over duration: Duration) -> Double {
    let s = seconds(duration)
    return s > 0 ? Double(bytes) * 8 / s / 1e6 : 0
}

// MARK: - argument parsing

struct Options {
    var values: [String: String] = [:]
    var flags: Set<String> = []

    /// Splits `--name value` pairs and bare `--flag`s; rejects anything not listed.
    init(_ arguments: ArraySlice<String>, valued: Set<String>, flags allowedFlags: Set<String>) {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "-h" || argument == "--help" {
                StandardStream.output.writeLine(usage)
                ProcessEnvironment.exit(0)
            }
            var name = argument
            var inline: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            if allowedFlags.contains(name), inline == nil {
                flags.insert(name)
            } else if valued.contains(name) {
                guard let value = inline ?? rest.popFirst() else { usageError("\(name) needs a value") }
                guard values[name] == nil else { usageError("\(name) given twice") }
                values[name] = value
            } else {
                usageError("unknown argument '\(argument)'")
            }
        }
    }

    func required(_ name: String) -> String {
        guard let value = values[name] else { usageError("missing \(name)") }
        return value
    }

    func port(_ name: String = "--port") -> UInt16 {
        let text = required(name)
        guard let port = UInt16(text), port > 0 else { usageError("\(name) must be 1...65535, not '\(text)'") }
        return port
    }

    func address(_ name: String, port: UInt16) -> SocketEndpoint? {
        guard let text = values[name] else { return nil }
        guard let address = SocketEndpoint(literal: text, port: port) else {
            usageError("\(name) must be a numeric IPv4 or IPv6 address, not '\(text)'")
        }
        return address
    }

    func duration(_ name: String) -> Duration? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), value.isFinite, value >= 0 else {
            usageError("\(name) must be a number of seconds >= 0, not '\(text)'")
        }
        return .nanoseconds(Int64(value * 1e9))
    }

    func milliseconds(_ name: String) -> Duration? {
        guard let text = values[name] else { return nil }
        guard let value = Int64(text), value > 0 else {
            usageError("\(name) must be a positive number of milliseconds")
        }
        return .milliseconds(value)
    }

    func byteCount(_ name: String) -> UInt64? {
        guard var text = values[name]?.lowercased() else { return nil }
        var multiplier: UInt64 = 1
        if let unit = text.last, let shift = ["k": 10, "m": 20, "g": 30][String(unit)] {
            multiplier = 1 << UInt64(shift)
            text.removeLast()
        }
        guard let value = UInt64(text), value.multipliedReportingOverflow(by: multiplier).overflow == false else {
            usageError("\(name) must be a byte count (e.g. 1000000, 64k, 10m), not '\(values[name]!)'")
        }
        return value * multiplier
    }
}

// MARK: - serve

struct Connection {
    let socket: MPTCPSocket
    let peer: SocketEndpoint?
    let local: SocketEndpoint?
    let started: MonotonicClock.Instant
    var bytes: UInt64 = 0
    /// CLOCK_MONOTONIC of the last read that returned data (for --gap-report).
    var lastDataNanoseconds: UInt64?
}

func serve(_ options: Options) -> Never {
    let port = options.port()
    let bind = options.address("--bind", port: port) ?? SocketEndpoint.unspecified(.ipv4, port: port)
    let once = options.flags.contains("--once")
    let abortAfter = options.milliseconds("--abort-after")
    let clock = MonotonicClock()
    var reports = ReceiveReports(options, clock: clock)

    let listener: MPTCPSocket
    let transport: MPTCPSocket.Transport = options.flags.contains("--tcp") ? .tcp : .mptcp
    var backlog: Int32 = 128
    if let text = options.values["--backlog"] {
        guard let value = Int32(text), value > 0 else {
            usageError("--backlog must be a positive number, not '\(text)'")
        }
        backlog = value
    }
    do { listener = try MPTCPSocket.listening(on: bind, backlog: backlog, transport: transport) } catch {
        socketFailure(error)
    }
    var ready = JSONLine(type: "listening")
    ready.add("address", bind.address.description)
    ready.add("port", Int(bind.port))
    ready.emit()

    var connections: [Connection] = []
    var accepting = true
    var buffer = [UInt8](repeating: 0, count: 256 * 1024)

    func finish(_ connection: Connection, error: SystemError?, abort: Bool = false) {
        let info = try? connection.socket.mptcpInfo()  // just before close
        let elapsed = connection.started.duration(to: clock.now)
        var line = JSONLine(type: "connection")
        line.add("local", connection.local?.description ?? "?")
        line.add("peer", connection.peer?.description ?? "?")
        line.add("bytes", connection.bytes)
        line.add("seconds", decimal: seconds(elapsed))
        line.add("mbps", decimal: megabitsPerSecond(bytes: connection.bytes, over: elapsed))
        line.addMPTCP(info)
        if let error { line.add("error", error.description) }
        if abort { line.add("aborted", true) }
        line.emit()
        if abort { connection.socket.abort() } else { connection.socket.close() }
    }

    while true {
        let sockets = (accepting ? [listener] : []) + connections.map(\.socket)
        let ready: [Int]
        var timeout: Duration? = abortAfter == nil ? nil : .milliseconds(10)
        if let untilSample = reports.wait(clock) { timeout = min(timeout ?? untilSample, untilSample) }
        do { ready = try MPTCPSocket.readable(sockets, timeout: timeout) } catch { socketFailure(error) }
        reports.sampleIfDue(connections, clock)
        var finished: [Int] = []
        if let abortAfter {
            for (position, connection) in connections.enumerated()
            where connection.started.duration(to: clock.now) >= abortAfter {
                finish(connection, error: nil, abort: true)
                finished.append(position)
            }
        }
        for index in ready where !finished.contains(index - (accepting ? 1 : 0)) {
            if accepting && index == 0 {
                do {
                    let (socket, peer) = try listener.accept()
                    connections.append(
                        Connection(
                            socket: socket, peer: peer, local: try? socket.localAddress(),
                            started: clock.now))
                    // Keep the listener open: the peer's MP_JOIN SYNs for this connection are
                    // answered by it. --once only stops accepting further connections.
                    if once { accepting = false }
                } catch {
                    StandardStream.error.writeLine("subflow-traffic: \(error)")
                }
                continue
            }
            let position = index - (accepting ? 1 : 0)
            do {
                // Readable: recv will not block (data, end of stream, or a pending error).
                let n = try connections[position].socket.receive(into: &buffer) ?? -1
                if n > 0 {
                    reports.received(&connections[position], now: MonotonicClock.nowNanoseconds)
                    connections[position].bytes += UInt64(n)
                }
                if n == 0 { finish(connections[position], error: nil); finished.append(position) }
            } catch {
                finish(connections[position], error: error)
                finished.append(position)
            }
        }
        for position in finished.sorted(by: >) { connections.remove(at: position) }
        if once && !accepting && connections.isEmpty { ProcessEnvironment.exit(0) }
    }
}

// MARK: - send

func send(_ options: Options) -> Never {
    let port = options.port()
    guard let remote = options.address("--to", port: port) else { usageError("missing --to") }
    let local = options.address("--bind", port: 0)
    if let local, local.family != remote.family { usageError("--bind and --to must be the same address family") }
    if options.values["--seconds"] != nil && options.values["--bytes"] != nil {
        usageError("give --seconds or --bytes, not both")
    }
    let byteLimit = options.byteCount("--bytes")
    let sendFor = options.duration("--seconds") ?? .seconds(1)
    let hold = options.duration("--hold") ?? .zero
    let interval = options.milliseconds("--report-interval")
    let connectTimeout = options.duration("--connect-timeout") ?? .seconds(10)
    let clock = MonotonicClock()

    let socket: MPTCPSocket
    let transport: MPTCPSocket.Transport = options.flags.contains("--tcp") ? .tcp : .mptcp
    do {
        socket = try MPTCPSocket.connect(to: remote, from: local, timeout: connectTimeout, transport: transport)
    } catch { socketFailure(error) }
    let started = clock.now
    var connected = JSONLine(type: "connected")
    connected.add("local", (try? socket.localAddress())?.description ?? "?")
    connected.add("remote", remote.description)
    connected.addMPTCP(try? socket.mptcpInfo())
    connected.emit()

    var sent: UInt64 = 0
    var nextSample = interval.map { started.advanced(by: $0) }
    func sampleIfDue() {
        guard let due = nextSample, let interval, clock.now >= due else { return }
        let info = try? socket.mptcpInfo()
        var line = JSONLine(type: "sample")
        line.add("t", decimal: seconds(started.duration(to: clock.now)))
        line.add("bytes", sent)
        line.add("subflows", info?.subflows ?? 1)
        line.add("extra_subflows", Int(info?.extraSubflows ?? 0))
        line.emit()
        var next = due.advanced(by: interval)
        while next <= clock.now { next = next.advanced(by: interval) }
        nextSample = next
    }
    /// How long to sleep/poll before `deadline`, cut short by the next sample.
    func waitBudget(until deadline: MonotonicClock.Instant?) -> Duration {
        var until = deadline ?? clock.now.advanced(by: .milliseconds(100))
        if let nextSample, nextSample < until { until = nextSample }
        return max(.zero, clock.now.duration(to: until))
    }

    // 1. Send zeros as fast as the connection takes them.
    let zeros = [UInt8](repeating: 0, count: 128 * 1024)
    let sendDeadline = byteLimit == nil ? started.advanced(by: sendFor) : nil
    do {
        try socket.setNonBlocking(true)
        while true {
            sampleIfDue()
            if let byteLimit { if sent >= byteLimit { break } } else if clock.now >= sendDeadline! { break }
            guard try socket.wait(for: .writable, timeout: waitBudget(until: sendDeadline)) else { continue }
            var chunk = zeros.count
            if let byteLimit { chunk = Int(min(UInt64(chunk), byteLimit - sent)) }
            sent += UInt64(try socket.send(zeros[0..<chunk]))
        }
    } catch {
        fail("sending after \(sent) bytes: \(error)")
    }

    // 2. Wait until the peer acknowledged every byte at the MPTCP level, so the figures measure
    //    delivery and not how much fits into the send buffer.
    var acknowledged = clock.now
    let ackDeadline = clock.now.advanced(by: .seconds(30))
    func allAcknowledged() -> Bool {
        if transport == .tcp { return (socket.outstandingBytes() ?? 0) == 0 }
        return (try? socket.mptcpInfo())?.allDataAcknowledged ?? true
    }
    while !allAcknowledged() {
        if clock.now >= ackDeadline {
            StandardStream.error.writeLine("subflow-traffic: data not acknowledged after 30 s")
            break
        }
        sampleIfDue()
        MonotonicClock.blockingSleep(for: .milliseconds(1))
        acknowledged = clock.now
    }
    let activeTime = started.duration(to: acknowledged)
    var done = JSONLine(type: "sent")
    done.add("bytes", sent)
    done.add("seconds", decimal: seconds(activeTime))
    done.add("mbps", decimal: megabitsPerSecond(bytes: sent, over: activeTime))
    done.addMPTCP(try? socket.mptcpInfo())
    done.emit()

    // 3. Hold the connection open and idle.
    let holdEnd = clock.now.advanced(by: hold)
    while clock.now < holdEnd {
        sampleIfDue()
        let nap = waitBudget(until: holdEnd)
        if nap > .zero { MonotonicClock.blockingSleep(for: nap) }
    }

    // 4. Close: DATA_FIN, then wait for the peer's end of stream (it has read everything).
    let final = try? socket.mptcpInfo()
    do {
        try socket.shutdownWrite()
        try socket.setNonBlocking(false)
        var sink = [UInt8](repeating: 0, count: 4096)
        let closeDeadline = clock.now.advanced(by: .seconds(5))
        while clock.now < closeDeadline {
            guard try socket.wait(for: .readable, timeout: clock.now.duration(to: closeDeadline)) else { break }
            if (try socket.receive(into: &sink) ?? 0) == 0 { break }
        }
    } catch {
        StandardStream.error.writeLine("subflow-traffic: closing: \(error)")
    }
    socket.close()

    var summary = JSONLine(type: "summary")
    summary.add("bytes", sent)
    summary.add("seconds", decimal: seconds(activeTime))
    summary.add("mbps", decimal: megabitsPerSecond(bytes: sent, over: activeTime))
    summary.addMPTCP(final)
    if let bytesRetransmitted = final?.bytesRetransmitted { summary.add("bytes_retransmitted", bytesRetransmitted) }
    summary.add("held_seconds", decimal: seconds(hold))
    summary.emit()
    ProcessEnvironment.exit(0)
}

// MARK: - main

ProcessSignals.unblockAll()
ProcessSignals.ignoreBrokenPipe()
let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "serve":
    serve(
        Options(
            arguments.dropFirst(),
            valued: ["--bind", "--port", "--abort-after", "--report-interval", "--gap-report", "--backlog"],
            flags: ["--once", "--tcp"]))
case "send":
    send(
        Options(
            arguments.dropFirst(),
            valued: [
                "--to", "--port", "--bind", "--seconds", "--bytes", "--hold", "--report-interval",
                "--connect-timeout",
            ],
            flags: ["--tcp"]))
case "storm":
    storm(
        Options(
            arguments.dropFirst(),
            valued: [
                "--to", "--port", "--rate", "--seconds", "--hold-ms", "--keep", "--keep-seconds", "--connect-timeout",
            ],
            flags: []))
case "churn":
    churn(
        Options(
            arguments.dropFirst(),
            valued: ["--to", "--port", "--bind", "--count", "--rate", "--connect-timeout", "--hold"],
            flags: ["--tcp"]))
case "clock":
    printClock()
case "link":
    setLink(arguments.dropFirst())
case "-h", "--help", "help":
    StandardStream.output.writeLine(usage)
    ProcessEnvironment.exit(0)
case nil:
    usageError("missing command: serve, send, storm, clock or link")
case let other?:
    usageError("unknown command '\(other)'")
}
