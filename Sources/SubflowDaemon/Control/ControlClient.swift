import SubflowSystem

/// One client of the control socket: newline-separated JSON requests in, one JSON answer
/// line per request out, in order — or, after `monitor`, the event stream.
///
/// Bounds: a request line may be at most `maximumRequestBytes`; answers not read pile up to
/// at most `maximumAnswerBacklog` before the client is dropped; a monitor's unread stream to
/// `monitorBacklog`, after which it gets one last `dropped` line and is disconnected.
final class ControlClient {
    static let maximumRequestBytes = 65_536
    static let maximumAnswerBacklog = 32 << 20
    static let monitorBacklog = 256 << 10

    let id: Int
    let peer: PeerCredentials
    let connection: BufferedConnection
    private(set) var isMonitor = false
    /// Set once a monitor was dropped for falling behind: nothing more is queued for it.
    private(set) var wasDropped = false
    private var input: [UInt8] = []

    /// A complete request line (without its newline).
    var onRequest: (ControlClient, [UInt8]) -> Void = { _, _ in }
    var onClosed: (ControlClient, String) -> Void = { _, _ in }

    init(id: Int, peer: PeerCredentials, connection: BufferedConnection) {
        self.id = id
        self.peer = peer
        self.connection = connection
        connection.onData = { [weak self] bytes in self?.received(bytes) }
        connection.onClosed = { [weak self] reason in
            guard let self else { return }
            self.onClosed(self, reason)
        }
    }

    /// Queues one answer line; a client that leaves too many unread is dropped.
    func answer(_ value: JSONValue) {
        connection.send(Array((value.text + "\n").utf8))
        if connection.pendingBytes > Self.maximumAnswerBacklog {
            connection.close(because: "it left more than \(Self.maximumAnswerBacklog) bytes of answers unread")
        }
    }

    /// From now on the client receives the event stream and its requests are ignored;
    /// it may stay connected for as long as it reads.
    func startMonitoring() {
        isMonitor = true
        input = []
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
        input.append(contentsOf: bytes)
        while let newline = input.firstIndex(of: 0x0A) {
            var line = Array(input[..<newline])
            input.removeFirst(newline + 1)
            if line.last == 0x0D { line.removeLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            onRequest(self, line)
            if isMonitor || connection.isClosing || connection.isClosed { input = []; return }
        }
        if input.count > Self.maximumRequestBytes {
            input = []
            answer(ControlRequests.failure("request longer than \(Self.maximumRequestBytes) bytes without a newline", code: "bad_request"))
            connection.closeWhenFlushed()
        }
    }
}
