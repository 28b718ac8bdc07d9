import Glibc
import SubflowSystem
import Testing

/// Every test that creates an EventLoop is nested in this suite: ELL's main loop is
/// process-global, so only one EventLoop may exist at a time, and `.serialized` runs the
/// nested suites one test after another.
@Suite(.serialized) struct EventLoopTests {}

/// Turns the loop until `done()` holds or `seconds` pass (a generous deadline, so a loaded
/// machine only makes the test slower, never wrong). Returns whether `done()` held.
@discardableResult
func turn(_ loop: EventLoop, until done: () -> Bool, seconds: UInt64 = 30) -> Bool {
    let deadline = MonotonicClock.nowMilliseconds + seconds * 1000
    while !done() {
        if MonotonicClock.nowMilliseconds > deadline { return false }
        loop.iterate(timeoutMilliseconds: 50)
    }
    return true
}

/// The descriptors this process has open now (entries of /proc/self/fd, less the one
/// the listing itself uses).
func openDescriptorCount() throws -> Int {
    try DirectoryListing.names(in: "/proc/self/fd").count - 1
}

/// A connected pair of non-blocking UNIX stream sockets.
func socketPair() -> (Int32, Int32) {
    var fds: [Int32] = [-1, -1]
    let rc = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds)
    precondition(rc == 0, "socketpair: errno \(errno)")
    return (fds[0], fds[1])
}

/// Writes one byte (the test's way of making the other end readable).
func poke(_ fd: Int32) {
    var byte: UInt8 = 1
    precondition(write(fd, &byte, 1) == 1, "write: errno \(errno)")
}

/// Reads whatever is there (so a level-triggered watch goes quiet).
func drain(_ fd: Int32) {
    var buffer = [UInt8](repeating: 0, count: 4096)
    while read(fd, &buffer, buffer.count) > 0 {}
}
