import Glibc
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// Every test that creates an EventLoop is nested in this suite: ELL's main loop is
/// process-global, so only one EventLoop may exist at a time: `.serialized` runs the nested
/// suites one test after another, and `.holdsTheEventLoop` keeps other targets' loops out.
@Suite(.serialized, .holdsTheEventLoop) struct EventLoopTests {}

/// How many descriptors of the kinds an EventLoop opens (epoll sets, timerfds, signalfds)
/// this process holds, counted in /proc/self/fd. Only those kinds: the test binary runs other
/// suites in parallel, whose pipes and sockets come and go, so the total would be noise.
func loopKindDescriptorCount() throws -> Int {
    let kinds: Set<String> = ["anon_inode:[eventpoll]", "anon_inode:[timerfd]", "anon_inode:[signalfd]"]
    var count = 0
    for name in try DirectoryListing.names(in: "/proc/self/fd") {
        // A descriptor closed while we list (the listing's own, another suite's) has no link.
        if let target = try? SymbolicLink.destination("/proc/self/fd/\(name)"), kinds.contains(target) { count += 1 }
    }
    return count
}

/// A connected pair of non-blocking UNIX stream sockets.
func socketPair() -> (Descriptor, Descriptor) {
    var fds: [Int32] = [-1, -1]
    let rc = socketpair(
        AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds)
    precondition(rc == 0, "socketpair: errno \(errno)")
    return (Descriptor(rawValue: fds[0]), Descriptor(rawValue: fds[1]))
}

/// A duplicate of `fd` numbered `minimum` or above (F_DUPFD_CLOEXEC); -1 when refused.
func duplicate(_ fd: Descriptor, atLeast minimum: Int32) -> Descriptor {
    Descriptor(rawValue: fcntl(fd.rawValue, F_DUPFD_CLOEXEC, minimum))
}

/// True while `fd` is an open descriptor of this process.
func isOpen(_ fd: Descriptor) -> Bool { fcntl(fd.rawValue, F_GETFD) >= 0 }

func close(_ fd: Descriptor) { fd.close() }

/// Writes one byte (the test's way of making the other end readable).
func poke(_ fd: Descriptor) {
    var byte: UInt8 = 1
    precondition(write(fd.rawValue, &byte, 1) == 1, "write: errno \(errno)")
}

/// Reads whatever is there (so a level-triggered watch goes quiet).
func drain(_ fd: Descriptor) {
    var buffer = [UInt8](repeating: 0, count: 4096)
    while read(fd.rawValue, &buffer, buffer.count) > 0 {}
}
