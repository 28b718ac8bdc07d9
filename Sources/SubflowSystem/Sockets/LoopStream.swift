import CELL
import Glibc

/// A connected, non-blocking stream socket (UNIX or TCP) served on the event loop: one ELL
/// `l_io` with a read handler, an optional write handler while output is pending, and a
/// hang-up handler. Reads and writes never block: they report "would block" instead, and
/// the owner decides what a slow peer costs it.
///
/// `close()` may be called from inside any of its handlers. ELL still touches the `l_io`
/// after a handler returns, and keys its watches by descriptor number, so the `l_io` is
/// destroyed and the descriptor closed on a later loop iteration, in that order: the number
/// cannot be reused while ELL still watches it. Until then every handler is silenced. The
/// stream stays alive while ELL holds it; an owner must call `close()` to release it.
public final class LoopStream {
    public enum ReadResult: Equatable, Sendable {
        case bytes([UInt8])
        /// Nothing to read now.
        case wouldBlock
        /// The peer closed its end.
        case end
        case failed(SystemError)
    }

    public let fd: Int32
    private let loop: EventLoop
    private var io: OpaquePointer?
    private var onReadable: (() -> Void)?
    private var onHangUp: (() -> Void)?
    private var onWritable: (() -> Void)?
    /// ELL has our write handler (EPOLLOUT is watched).
    private var writeArmed = false
    private var readingStopped = false
    private var readingPaused = false
    /// ELL has our read handler (EPOLLIN is watched).
    private var readArmed = false
    /// The read handler is running: ELL acts on its return value, so arming or disarming
    /// from inside it only changes that value.
    private var inReadHandler = false
    public private(set) var isClosed = false

    /// Takes ownership of the connected, non-blocking descriptor `fd` (closed on failure too).
    public init(adopting fd: Int32, loop: EventLoop, onReadable: @escaping () -> Void,
                onHangUp: @escaping () -> Void) throws(SystemError) {
        self.fd = fd
        self.loop = loop
        self.onReadable = onReadable
        self.onHangUp = onHangUp
        guard let io = l_io_new(fd) else {
            Glibc.close(fd)
            throw SystemError(operation: "l_io_new", errno: EINVAL)
        }
        self.io = io
        _ = l_io_set_close_on_destroy(io, false)
        guard armReading(io) else {
            l_io_destroy(io)
            self.io = nil
            Glibc.close(fd)
            throw SystemError(operation: "l_io_set_read_handler", errno: EINVAL)
        }
        let hangUpBox = Unmanaged.passRetained(self).toOpaque()
        _ = l_io_set_disconnect_handler(io, { _, data in
            Unmanaged<LoopStream>.fromOpaque(data!).takeUnretainedValue().hungUp()
        }, hangUpBox, { data in Unmanaged<LoopStream>.fromOpaque(data!).release() })
    }

    // MARK: data

    /// One recv(2) of at most `maximum` bytes.
    public func read(maximum: Int) -> ReadResult {
        guard !isClosed else { return .end }
        var buffer = [UInt8](repeating: 0, count: maximum)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { return .bytes(Array(buffer.prefix(n))) }
            if n == 0 { return .end }
            switch errno {
            case EINTR: continue
            case EAGAIN: return .wouldBlock
            default: return .failed(.last("recv"))
            }
        }
    }

    /// One send(2) (MSG_NOSIGNAL): how many bytes the kernel took, 0 when its buffer is full.
    public func write(_ bytes: ArraySlice<UInt8>) throws(SystemError) -> Int {
        guard !isClosed else { throw SystemError(operation: "send", errno: EBADF) }
        while true {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n >= 0 { return n }
            switch errno {
            case EINTR: continue
            case EAGAIN: return 0
            default: throw SystemError.last("send")
            }
        }
    }

    /// Calls `handler` once, the next time the socket can take more data.
    public func whenWritable(_ handler: @escaping () -> Void) {
        guard !isClosed, let io else { return }
        onWritable = handler
        guard !writeArmed else { return }
        let box = Unmanaged.passRetained(self).toOpaque()
        if l_io_set_write_handler(io, { _, data in
            Unmanaged<LoopStream>.fromOpaque(data!).takeUnretainedValue().writable()
        }, box, { data in Unmanaged<LoopStream>.fromOpaque(data!).release() }) {
            writeArmed = true
        } else {
            Unmanaged<LoopStream>.fromOpaque(box).release()
            onWritable = nil
        }
    }

    /// Stops watching for input (after the peer's end of stream, which would otherwise be
    /// reported as readable on every loop iteration); writing and hang-up go on.
    public func stopReading() {
        readingStopped = true
        onReadable = nil
        disarmReading()
    }

    /// Stops watching for input until `resumeReading()`: what the peer sends waits in the
    /// kernel's buffer (and, once that is full, blocks the peer), not in this process. The
    /// watch is level-triggered, so merely not reading would wake the loop again and again.
    public func pauseReading() {
        guard !readingPaused else { return }
        readingPaused = true
        disarmReading()
    }

    /// Watches for input again after `pauseReading()`; data already waiting is reported on the
    /// next loop iteration.
    public func resumeReading() {
        guard readingPaused else { return }
        readingPaused = false
        guard !isClosed, !readingStopped, !readArmed, !inReadHandler, let io else { return }
        _ = armReading(io)
    }

    public var isReadingPaused: Bool { readingPaused }

    private func armReading(_ io: OpaquePointer) -> Bool {
        let box = Unmanaged.passRetained(self).toOpaque()
        guard l_io_set_read_handler(io, { _, data in
            Unmanaged<LoopStream>.fromOpaque(data!).takeUnretainedValue().readable()
        }, box, { data in Unmanaged<LoopStream>.fromOpaque(data!).release() }) else {
            Unmanaged<LoopStream>.fromOpaque(box).release()
            return false
        }
        readArmed = true
        return true
    }

    /// Inside the read handler its return value tells ELL to drop it; elsewhere it is removed
    /// here (ELL then releases its reference).
    private func disarmReading() {
        guard readArmed, !inReadHandler, !isClosed, let io else { return }
        readArmed = false
        _ = l_io_set_read_handler(io, nil, nil, nil)
    }

    /// Sets the kernel's send buffer for this socket (SO_SNDBUF; the kernel doubles it).
    public func setSendBuffer(bytes: Int32) {
        var value = bytes
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Silences every handler now; destroys the watch and closes the descriptor on a later
    /// loop iteration. Idempotent.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        onReadable = nil
        onHangUp = nil
        onWritable = nil
        loop.after(milliseconds: 0) { [self] in
            if let io { l_io_destroy(io) }
            io = nil
            Glibc.close(fd)
        }
    }

    // MARK: handlers (return false: ELL drops the handler and releases its reference)

    private func readable() -> Bool {
        if !isClosed, !readingStopped, !readingPaused, let handler = onReadable {
            inReadHandler = true
            handler()
            inReadHandler = false
        }
        readArmed = !isClosed && !readingStopped && !readingPaused
        return readArmed
    }

    private func writable() -> Bool {
        let handler = onWritable
        onWritable = nil
        if !isClosed { handler?() }
        // The handler may have asked again (whenWritable while armed only stores it).
        writeArmed = onWritable != nil && !isClosed
        return writeArmed
    }

    private func hungUp() {
        guard !isClosed, let handler = onHangUp else { return }
        handler()
    }
}
