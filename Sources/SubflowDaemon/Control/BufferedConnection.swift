import SubflowConfiguration
import SubflowSystem

/// One client connection of the control socket or the metrics listener, with the rules that
/// keep a client from ever stalling the daemon's loop:
///
/// * reads and writes never block (`LoopStream`); output the kernel cannot take yet waits in
///   a queue and goes out when the socket is writable;
/// * the queue is bounded by its owner (`pendingBytes`), who stops reading a client that
///   leaves its answers unread (`pauseReading()`) and resumes when `onOutputDrained` says so;
/// * one wake-up reads at most `readBudget` bytes, and none once the owner paused reading;
/// * a client whose queued output makes no progress for `stallLimit`, that asks nothing
///   (`noteRequest()`) and is owed nothing for `idleLimit`, that misses its `requestDeadline`,
///   or that does not take its last answer within `closingGrace` after `closeWhenFlushed()`,
///   is disconnected by a once-a-second check.
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
    /// Called when output that had to wait for the socket went out and no more is queued.
    var onOutputDrained: () -> Void = {}
    /// Monotonic milliseconds by which the owner must have what it waits for (a whole request,
    /// say), else the connection is closed; nil: no deadline.
    var requestDeadline: UInt64?
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
    private var soonTimer: OneShotTimer?
    private(set) var isClosed = false

    /// Serves the accepted, non-blocking descriptor `fd` on `loop`.
    init(fd: Descriptor, loop: EventLoop, limits: Limits = Limits()) throws(SystemError) {
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

    /// The client asked something worth answering: it is not idle (bytes alone, such as blank
    /// lines, do not count, or one newline a minute would hold a connection for ever).
    func noteRequest() { lastActivity = MonotonicClock.nowMilliseconds }

    /// Stops reading the client (its bytes wait in the kernel) until `resumeReading()`.
    func pauseReading() { stream.pauseReading() }
    func resumeReading() { stream.resumeReading() }

    /// Runs `body` on a later loop iteration, after what else is ready now (at most one
    /// pending; dropped if the connection closes first).
    func soon(_ body: @escaping () -> Void) {
        guard !isClosed, soonTimer?.isPending != true else { return }
        soonTimer = loop.after(milliseconds: 0) { [weak self] in
            guard let self, !self.isClosed else { return }
            body()
        }
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
        soonTimer?.cancel()
        soonTimer = nil
        stream.close()
        output = []
        outputStart = 0
        let closed = onClosed
        onClosed = { _ in }
        onData = { _ in }
        onOutputDrained = {}
        closed(reason)
    }

    // MARK: loop handlers

    static let readBudget = 16_384

    /// Reads what is there, at most `readBudget` bytes per wake-up so one busy client cannot
    /// starve the loop (the watch is level-triggered: the rest comes on the next iteration),
    /// and nothing more once the owner paused reading.
    private func readAvailable() {
        var budget = Self.readBudget
        while budget > 0, !isClosed, !stream.isReadingPaused {
            switch stream.read(maximum: min(budget, 4_096)) {
            case .bytes(let bytes):
                budget -= bytes.count
                if closingSince == nil { onData(bytes) }  // a closing connection only drains
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
                stream.whenWritable { [weak self] in self?.writable() }
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

    /// The socket took more after a full buffer: tell the owner once the queue is empty (never
    /// from `send`, whose caller is busy answering already).
    private func writable() {
        flush()
        if !isClosed, pendingBytes == 0 { onOutputDrained() }
    }

    private func scheduleWatchdog() {
        watchdog = loop.after(milliseconds: 1_000) { [weak self] in
            guard let self, !self.isClosed else { return }
            self.check(now: MonotonicClock.nowMilliseconds)
            if !self.isClosed { self.scheduleWatchdog() }
        }
    }

    private func check(now: UInt64) {
        if closingSince == nil, let deadline = requestDeadline, now > deadline {
            close(because: "it did not send a whole request in time")
        } else if let since = closingSince, now - since > limits.closingGraceMilliseconds {
            close(because: "it did not read its last answer within \(limits.closingGraceMilliseconds / 1000) s")
        } else if pendingBytes > 0, now - lastProgress > limits.stallMilliseconds {
            close(
                because: "it read nothing for \(limits.stallMilliseconds / 1000) s with \(pendingBytes) bytes waiting")
        } else if pendingBytes == 0, let idle = limits.idleMilliseconds, now - lastActivity > idle {
            close(because: "idle for \(idle / 1000) s")
        }
    }
}
