import Glibc
import SubflowSystem
import SubflowTestSupport
import Testing

/// Every daemon test that creates an EventLoop is nested in this suite (see
/// `HoldsTheEventLoop` in SubflowTestSupport: one loop per process, shared with
/// SubflowSystemTests).
@Suite(.serialized, .holdsTheEventLoop) struct DaemonLoopTests {}

/// The test's side of a connection: the other end of a non-blocking UNIX socketpair whose
/// first end the code under test serves.
final class Peer {
    let fd: Descriptor
    /// Everything read so far.
    private(set) var received: [UInt8] = []
    /// The daemon's end closed (a read returned 0).
    private(set) var sawEnd = false

    /// Returns (the descriptor for the code under test, its peer).
    static func pair() -> (Descriptor, Peer) {
        var fds: [Int32] = [-1, -1]
        let rc = socketpair(
            AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds
        )
        precondition(rc == 0, "socketpair: errno \(errno)")
        return (Descriptor(rawValue: fds[0]), Peer(fd: Descriptor(rawValue: fds[1])))
    }

    private var isOpen = true

    private init(fd: Descriptor) { self.fd = fd }
    deinit { hangUp() }

    /// Closes the test's end: the daemon's end sees end of stream and EPOLLHUP.
    func hangUp() {
        guard isOpen else { return }
        isOpen = false
        fd.close()
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// A send failed (the daemon's end is closed): recorded, for the test to expect.
    private(set) var sendFailed = false

    /// Writes all of `bytes` (the kernel's buffer holds far more than the tests send at once).
    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { sendFailed = true; return }
            offset += n
        }
    }

    /// Reads what is there now.
    @discardableResult
    func read() -> Int {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var total = 0
        while true {
            let n = Glibc.read(fd.rawValue, &buffer, buffer.count)
            if n > 0 { received += buffer.prefix(n); total += n; continue }
            if n == 0 { sawEnd = true }
            return total
        }
    }

    /// Reads while turning `loop` until `done()` holds (or the generous deadline passes).
    @discardableResult
    func read(turning loop: EventLoop, until done: () -> Bool) -> Bool {
        turn(
            loop,
            until: {
                read(); return done()
            })
    }

    /// The lines received so far (without their newlines; an unfinished last one is left out).
    var lines: [String] {
        var lines = received.split(separator: 0x0A, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        lines.removeLast()
        return lines
    }

    func shutdownSending() { shutdown(fd.rawValue, Int32(SHUT_WR)) }
}
