import SubflowConfiguration
import SubflowFormats
import SubflowSystem

/// One client of the control socket: newline-separated JSON requests in, one JSON answer
/// line per request out, in order — or, after `monitor`, the event stream.
///
/// Bounds, so that no client can keep the loop busy or make the daemon grow:
/// * a request line may be at most `maximumRequestBytes` (refused as soon as more arrive);
/// * one loop turn serves at most `requestsPerTurn` of its lines; the rest wait for a later
///   turn, after every other client and the kernel had theirs (reading is paused meanwhile);
/// * while more than `answerBacklog` bytes of its answers are unread, no more of its requests
///   are read or served: it waits in the kernel's socket buffer, then blocks the client itself;
/// * a monitor's unread stream may reach `monitorBacklog`, after which it gets one last
///   `dropped` line and is disconnected.
final class ControlClient {
    static let maximumRequestBytes = 65_536
    static let requestsPerTurn = 8
    static let answerBacklog = 64 << 10
    static let monitorBacklog = 256 << 10

    let id: Int
    let peer: PeerCredentials
    let connection: BufferedConnection
    private(set) var isMonitor = false
    /// Set once a monitor was dropped for falling behind: nothing more is queued for it.
    private(set) var wasDropped = false
    private var input = RequestLines(maximumLineBytes: ControlClient.maximumRequestBytes)

    /// A complete request line (without its newline).
    var onRequest: (ControlClient, [UInt8]) -> Void = { _, _ in }
    var onClosed: (ControlClient, String) -> Void = { _, _ in }

    init(id: Int, peer: PeerCredentials, connection: BufferedConnection) {
        self.id = id
        self.peer = peer
        self.connection = connection
        connection.onData = { [weak self] bytes in self?.received(bytes) }
        connection.onOutputDrained = { [weak self] in self?.serve() }
        connection.onClosed = { [weak self] reason in
            guard let self else { return }
            self.onClosed(self, reason)
        }
    }

    /// Queues one answer line (its size is bounded by what `serve` lets the client ask).
    func answer(_ value: JSONValue) {
        connection.send(Array((value.text + "\n").utf8))
    }

    /// From now on the client receives the event stream and its requests are ignored;
    /// it may stay connected for as long as it reads.
    func startMonitoring() {
        isMonitor = true
        input = RequestLines(maximumLineBytes: Self.maximumRequestBytes)
        connection.resumeReading()  // only to notice the end of its input; requests are ignored
        connection.limits.idleMilliseconds = nil
        // A monitor that shut its sending side still reads the stream; it ends when the
        // client hangs up (EPOLLHUP) or a write fails.
        connection.onEndOfInput = {}
    }

    /// Queues one line of the stream. Returns false if this dropped the client (its unread
    /// backlog is full): the queued lines are discarded, `notice` becomes its last line, and
    /// it is disconnected once it read that (or after the closing grace).
    func stream(_ line: [UInt8], notice: () -> JSONValue) -> Bool {
        guard isMonitor, !wasDropped, !connection.isClosed else { return true }
        guard connection.pendingBytes + line.count <= Self.monitorBacklog else {
            wasDropped = true
            connection.discardQueued(keepingThrough: 0x0A)
            connection.send(Array((notice().text + "\n").utf8))
            connection.closeWhenFlushed()
            return false
        }
        connection.send(line)
        return true
    }

    private func received(_ bytes: [UInt8]) {
        guard !isMonitor else { return }
        input.append(bytes)
        serve()
    }

    /// Serves what this turn allows, then reads more only if all of it was served and the
    /// client reads its answers; otherwise a later turn (`soon`) or the drained output
    /// (`onOutputDrained`) comes back here.
    private func serve() {
        guard !isMonitor, !connection.isClosing, !connection.isClosed else { return }
        var served = 0
        while served < Self.requestsPerTurn {
            guard connection.pendingBytes <= Self.answerBacklog else {
                return connection.pauseReading()  // resumed by onOutputDrained
            }
            switch input.next() {
            case .none:
                return connection.resumeReading()
            case .tooLong:
                answer(
                    ControlRequests.failure(
                        "request longer than \(Self.maximumRequestBytes) bytes without a newline; "
                            + "send one JSON object per line", code: "bad_request"))
                return connection.closeWhenFlushed()
            case .line(let line):
                served += 1  // blank lines count too: they cost a turn, never a request
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                connection.noteRequest()
                onRequest(self, line)
                if isMonitor || connection.isClosing || connection.isClosed { return }
            }
        }
        connection.pauseReading()
        connection.soon { [weak self] in self?.serve() }
    }
}
