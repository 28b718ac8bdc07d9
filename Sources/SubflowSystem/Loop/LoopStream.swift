import Glibc

/// A connected, non-blocking stream socket (UNIX or TCP) served on the event loop: one watch
/// with a read handler, a write handler while output is pending, and a hang-up handler. Reads
/// and writes never block: they report "would block" instead, and the owner decides what a
/// slow peer costs it. Any descriptor number works.
///
/// `close()` may be called from inside any of its handlers: it stops the watch and closes the
/// descriptor at once, and no handler runs after it. The stream stays alive while its watch
/// holds it; an owner must call `close()` to release it.
public final class LoopStream {
    public enum ReadResult: Equatable, Sendable {
        case bytes([UInt8])
        /// Nothing to read now.
        case wouldBlock
        /// The peer closed its end.
        case end
        case failed(SystemError)
    }

    public let fd: Descriptor
    private var watch: FileWatch?
    private var onReadable: (() -> Void)?
    private var onHangUp: (() -> Void)?
    private var onWritable: (() -> Void)?
    /// The watch has our write handler (EPOLLOUT is watched).
    private var writeArmed = false
    private var readingStopped = false
    /// Reading paused by the owner (`pauseReading`) until `resumeReading`.
    private var readingPaused = false
    public private(set) var isClosed = false

    /// Takes ownership of the connected, non-blocking descriptor `fd` (closed on failure too).
    public init(
        adopting fd: Descriptor, loop: EventLoop, onReadable: @escaping () -> Void,
        onHangUp: @escaping () -> Void
    ) throws(SystemError) {
        self.fd = fd
        self.onReadable = onReadable
        self.onHangUp = onHangUp
        do {
            // The handlers hold the stream until close() cancels the watch.
            watch = try loop.watch(fd: fd, onReadable: { self.readable() }, onHangUp: { self.hungUp() })
        } catch {
            fd.close()
            throw error
        }
    }

    // MARK: data

    /// One recv(2) of at most `maximum` bytes.
    public func read(maximum: Int) -> ReadResult {
        guard !isClosed else { return .end }
        var buffer = [UInt8](repeating: 0, count: maximum)
        switch buffer.withUnsafeMutableBytes({ raw in
            retryingOnInterrupt { system_recv(fd, raw.baseAddress, raw.count, 0) }
        }) {
        case .success(0): return .end
        case .success(let n): return .bytes(Array(buffer.prefix(n)))
        case .failure(.wouldBlock): return .wouldBlock
        case .failure(let error): return .failed(SystemError(operation: "recv", errno: error))
        }
    }

    /// One send(2) (MSG_NOSIGNAL): how many bytes the kernel took, 0 when its buffer is full.
    public func write(_ bytes: ArraySlice<UInt8>) throws(SystemError) -> Int {
        guard !isClosed else { throw SystemError(operation: "send", errno: .badFileDescriptor) }
        switch bytes.withUnsafeBytes({ raw in
            retryingOnInterrupt { system_send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL)) }
        }) {
        case .success(let n): return n
        case .failure(.wouldBlock): return 0
        case .failure(let error): throw SystemError(operation: "send", errno: error)
        }
    }

    /// Calls `handler` once, the next time the socket can take more data.
    public func whenWritable(_ handler: @escaping () -> Void) {
        guard !isClosed, let watch else { return }
        onWritable = handler
        guard !writeArmed else { return }
        do {
            try watch.setWriteHandler { self.writable() }
            writeArmed = true
        } catch {
            // The kernel would not watch for room to write: the owner hears a hang-up rather
            // than waiting for ever on output that cannot leave.
            onWritable = nil
            hungUp()
        }
    }

    /// Stops watching for input (after the peer's end of stream, which would otherwise be
    /// reported as readable on every loop iteration); writing and hang-up go on.
    public func stopReading() {
        guard !readingStopped else { return }
        readingStopped = true
        onReadable = nil
        do { try watch?.setReadHandler(nil) } catch { hungUp() }
    }

    /// Stops watching for input until `resumeReading()`: what the peer sends waits in the
    /// kernel's buffer (and, once that is full, blocks the peer), not in this process. The
    /// watch is level-triggered, so merely not reading would wake the loop again and again.
    public func pauseReading() {
        guard !readingPaused, !isClosed else { return }
        readingPaused = true
        guard !readingStopped else { return }
        do { try watch?.setReadHandler(nil) } catch { hungUp() }
    }

    /// Watches for input again after `pauseReading()`; data already waiting is reported on the
    /// next loop iteration.
    public func resumeReading() {
        guard readingPaused, !isClosed else { return }
        readingPaused = false
        guard !readingStopped else { return }
        do { try watch?.setReadHandler { self.readable() } } catch { hungUp() }
    }

    public var isReadingPaused: Bool { readingPaused }

    /// Sets the kernel's send buffer for this socket (SO_SNDBUF; the kernel doubles it).
    public func setSendBuffer(bytes: Int32) {
        var value = bytes
        _ = system_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Silences every handler, stops the watch and closes the descriptor, now. Idempotent.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        onReadable = nil
        onHangUp = nil
        onWritable = nil
        watch?.cancel()
        watch = nil
        fd.close()
    }

    // MARK: handlers

    private func readable() {
        guard !isClosed, !readingStopped, !readingPaused, let handler = onReadable else { return }
        handler()
    }

    private func writable() {
        let handler = onWritable
        onWritable = nil
        if !isClosed { handler?() }
        // The handler may have asked again (whenWritable while armed only stores it).
        guard !isClosed, onWritable == nil else { return }
        writeArmed = false
        do { try watch?.setWriteHandler(nil) } catch { hungUp() }
    }

    private func hungUp() {
        guard !isClosed, let handler = onHangUp else { return }
        handler()
    }
}
