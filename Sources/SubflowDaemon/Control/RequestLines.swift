/// Splits what a control client sends into request lines, with the size bound checked as
/// bytes arrive: a line is refused as soon as more than `maximumLineBytes` are buffered
/// without a newline, or when its newline comes after that many bytes, never accepted one
/// read late. Scanning is linear: bytes already searched for a newline are not searched again.
/// Pure (no loop, no socket), so it is tested and fuzzed on its own.
struct RequestLines {
    enum Next: Equatable {
        /// A line without its newline (and without a CR before it).
        case line([UInt8])
        /// The line being received is longer than the bound: stop reading this client.
        case tooLong
        /// No complete line is buffered.
        case none
    }

    let maximumLineBytes: Int
    private var bytes: [UInt8] = []
    /// Where the next line starts, and how far past it no newline exists.
    private var start = 0
    private var scanned = 0

    init(maximumLineBytes: Int) { self.maximumLineBytes = maximumLineBytes }

    /// Bytes received and not yet returned as lines.
    var bufferedBytes: Int { bytes.count - start }

    mutating func append(_ chunk: [UInt8]) {
        if start > 0 && start >= bytes.count / 2 {
            bytes.removeFirst(start)
            scanned -= start
            start = 0
        }
        bytes.append(contentsOf: chunk)
    }

    mutating func next() -> Next {
        let from = max(start, scanned)
        guard let newline = bytes[from...].firstIndex(of: 0x0A) else {
            scanned = bytes.count
            return bufferedBytes > maximumLineBytes ? .tooLong : .none
        }
        var end = newline
        if end > start, bytes[end - 1] == 0x0D { end -= 1 }
        guard end - start <= maximumLineBytes else { return .tooLong }
        let line = Array(bytes[start..<end])
        start = newline + 1
        scanned = start
        return .line(line)
    }
}
