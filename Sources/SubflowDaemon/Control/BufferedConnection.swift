import SubflowSystem

/// One client connection of the control socket or the metrics listener, with the rules that
/// keep a client from ever stalling the daemon's loop:
///
/// * reads and writes never block (`LoopStream`); output the kernel cannot take yet waits in
///   a queue and goes out when the socket is writable;
/// * the queue is bounded by its owner (`pendingBytes`), who drops clients that let it grow;
/// * a client whose queued output makes no progress for `stallLimit`, that stays silent and
///   unanswered for `idleLimit`, or that does not take its last answer within
///   `closingGrace` after `closeWhenFlushed()`, is disconnected by a once-a-second check.
final class BufferedConnection {
    struct Limits {
        /// Queued output that the client has not read for this long: it is dropped.
        var stallMilliseconds: UInt64 = 10_000
        /// Nothing asked and nothing owed for this long: closed (nil: never).
        var idleMilliseconds: UInt64? = 60_000
        /// After `closeWhenFlushed()`, the most it may take to read the rest.
        var closingGraceMilliseconds: UInt64 = 10_000
    }

    let stream: LoopStream
    var limits: Limits
    /// Called with each chunk read.
    var onData: ([UInt8]) -> Void = { _ in }
    /// Called once when the connection ends, with why.
    var onClosed: (String) -> Void = { _ in }
    /// Called when the client shut its sending side (end of stream) but may still read.
    /// Default: finish writing what is owed, then close.
    lazy var onEndOfInput: () -> Void = { [weak self] in self?.closeWhenFlushed() }

    private let loop: EventLoop
    private var output: [UInt8] = []
    private var outputStart = 0
    /// The last byte the kernel took, to know whether queued output starts a new line.
    private var lastWritten: UInt8?
    private var lastActivity = MonotonicClock.nowMilliseconds
    private var lastProgress = MonotonicClock.nowMilliseconds
    private var closingSince: UInt64?
    private var watchdog: OneShotTimer?
    private(set) var isClosed = false

    /// Serves the accepted, non-blocking descriptor `fd` on `loop`.
    init(fd: Int32, loop: EventLoop, limits: Limits = Limits()) throws(SystemError) {
        self.loop = loop
        self.limits = limits
        var readable: () -> Void = {}
        var hungUp: () -> Void = {}
        stream = try LoopStream(adopting: fd, loop: loop, onReadable: { readable() }, onHangUp: { hungUp() })
        readable = { [weak self] in self?.readAvailable() }
        hungUp = { [weak self] in self?.close(because: "the client hung up") }
        scheduleWatchdog()
    }

    /// Bytes queued and not yet taken by the kernel.
    var pendingBytes: Int { output.count - outputStart }
    var isClosing: Bool { closingSince != nil }

    /// Queues `bytes` and writes as much as the socket takes now.
    func send(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        if outputStart > 0 && outputStart >= output.count / 2 {
            output.removeFirst(outputStart)
            outputStart = 0
        }
        if pendingBytes == 0 { lastProgress = MonotonicClock.nowMilliseconds }
        output.append(contentsOf: bytes)
        flush()
    }

    /// Forgets queued output the kernel has not begun to take. The rest of a line the kernel
    /// took in part (up to `separator`) stays queued, so the peer never sees a torn line.
    func discardQueued(keepingThrough separator: UInt8) {
        guard pendingBytes > 0 else { return }
        var keep = outputStart
        if let lastWritten, lastWritten != separator {
            keep = output[outputStart...].firstIndex(of: separator).map { $0 + 1 } ?? output.count
        }
        output.removeSubrange(keep...)
    }

    /// Closes once everything queued is written (or after the closing grace).
    func closeWhenFlushed() {
        guard !isClosed, closingSince == nil else { return }
        closingSince = MonotonicClock.nowMilliseconds
        if pendingBytes == 0 { close(because: "done") }
    }

    /// Disconnects now; `onClosed` runs once.
    func close(because reason: String) {
        guard !isClosed else { return }
        isClosed = true
        watchdog?.cancel()
        watchdog = nil
        stream.close()
        output = []
        outputStart = 0
        let closed = onClosed
        onClosed = { _ in }
        onData = { _ in }
        closed(reason)
    }

    // MARK: loop handlers

    /// Reads what is there, at most 64 KiB per wake-up so one busy client cannot starve
    /// the loop (the watch is level-triggered: the rest comes on the next iteration).
    private func readAvailable() {
        var budget = 65_536
        while budget > 0, !isClosed {
            switch stream.read(maximum: min(budget, 16_384)) {
            case .bytes(let bytes):
                budget -= bytes.count
                lastActivity = MonotonicClock.nowMilliseconds
                if closingSince == nil { onData(bytes) }   // a closing connection only drains
            case .wouldBlock:
                return
            case .end:
                stream.stopReading()
                return onEndOfInput()
            case .failed(let error):
                return close(because: "read failed: \(error)")
            }
        }
    }

    private func flush() {
        while pendingBytes > 0, !isClosed {
            let chunk = output[outputStart..<min(output.count, outputStart + 262_144)]
            let written: Int
            do { written = try stream.write(chunk) } catch {
                return close(because: "write failed: \(error)")
            }
            guard written > 0 else {
                stream.whenWritable { [weak self] in self?.flush() }
                return
            }
            outputStart += written
            lastWritten = output[outputStart - 1]
            lastProgress = MonotonicClock.nowMilliseconds
            lastActivity = lastProgress
        }
        guard !isClosed else { return }
        output.removeAll(keepingCapacity: output.count < 65_536)
        outputStart = 0
        if closingSince != nil { close(because: "done") }
    }

    private func scheduleWatchdog() {
        watchdog = loop.after(milliseconds: 1_000) { [weak self] in
            guard let self, !self.isClosed else { return }
            self.check(now: MonotonicClock.nowMilliseconds)
            if !self.isClosed { self.scheduleWatchdog() }
        }
    }

    private func check(now: UInt64) {
        if let since = closingSince, now - since > limits.closingGraceMilliseconds {
            close(because: "it did not read its last answer within \(limits.closingGraceMilliseconds / 1000) s")
        } else if pendingBytes > 0, now - lastProgress > limits.stallMilliseconds {
            close(because: "it read nothing for \(limits.stallMilliseconds / 1000) s with \(pendingBytes) bytes waiting")
        } else if pendingBytes == 0, let idle = limits.idleMilliseconds, now - lastActivity > idle {
            close(because: "idle for \(idle / 1000) s")
        }
    }
}
