import Glibc
import SubflowPolicy
import SubflowSystem
import Testing

@Suite("Errno and Descriptor: named errnos and typed descriptors")
struct ErrnoAndDescriptorTests {
    @Test("each name is the kernel's number, and prints as symbol and strerror")
    func names() {
        let expected: [(Errno, Int32, String)] = [
            (.interrupted, EINTR, "EINTR"), (.tryAgain, EAGAIN, "EAGAIN"), (.noSuchProcess, ESRCH, "ESRCH"),
            (.noSuchFileOrDirectory, ENOENT, "ENOENT"), (.noBufferSpace, ENOBUFS, "ENOBUFS"),
            (.timedOut, ETIMEDOUT, "ETIMEDOUT"), (.invalidArgument, EINVAL, "EINVAL"),
            (.permissionDenied, EACCES, "EACCES"), (.operationNotPermitted, EPERM, "EPERM"),
            (.addressInUse, EADDRINUSE, "EADDRINUSE"), (.tooManyOpenFiles, EMFILE, "EMFILE"),
            (.connectionRefused, ECONNREFUSED, "ECONNREFUSED"), (.connectionAborted, ECONNABORTED, "ECONNABORTED"),
        ]
        for (errno, number, name) in expected {
            #expect(errno.rawValue == number, "\(name)")
            #expect(errno.name == name)
            #expect(errno.description == "\(name) (\(String(cString: strerror(number))))")
        }
        #expect(Errno.wouldBlock == Errno.tryAgain, "one number on Linux")
        #expect(Errno.timedOut.description == "ETIMEDOUT (Connection timed out)")
        #expect(Errno(rawValue: 4095).description == "errno 4095 (Unknown error 4095)")
    }

    @Test("SystemError reads the same as before: operation, detail, strerror, errno number")
    func systemErrorText() {
        let error = SystemError(operation: "connect", errno: .noSuchFileOrDirectory, detail: "/run/subflowd.sock")
        #expect(error.description == "connect /run/subflowd.sock: No such file or directory (errno 2)")
        #expect(SystemError(operation: "accept", errno: .tooManyOpenFiles).isDescriptorExhaustion)
        #expect(!SystemError(operation: "accept", errno: .tryAgain).isDescriptorExhaustion)
    }

    @Test("a Descriptor is its number: equal, hashable, printed bare; close() closes it")
    func descriptor() {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        let reader = Descriptor(rawValue: fds[0]), writer = Descriptor(rawValue: fds[1])
        #expect(reader == Descriptor(rawValue: fds[0]))
        #expect(Set([reader, writer, Descriptor(rawValue: fds[0])]).count == 2)
        #expect("\(reader)" == "\(fds[0])", "logs keep showing the number alone")
        #expect(Descriptor.standardError.rawValue == 2)
        let pipeInodes = (Self.inode(fds[0]), Self.inode(fds[1]))
        writer.close()
        reader.close()
        // Other suites run in this process at the same time and may get the numbers back at
        // once: closed means "no longer this pipe", not "no such descriptor".
        #expect(Self.inode(fds[0]) != pipeInodes.0)
        #expect(Self.inode(fds[1]) != pipeInodes.1)
    }

    /// The inode a descriptor refers to, or nil when it is not open.
    static func inode(_ fd: Int32) -> UInt? {
        var status = stat()
        return fstat(fd, &status) == 0 ? UInt(status.st_ino) : nil
    }

    @Test("a closed socket never acts on its old number: calls fail with EBADF")
    func closedSocket() throws {
        let listener = try TCPStreamListener.listen(on: SocketEndpoint(literal: "127.0.0.1", port: 0)!)
        listener.close()
        listener.close()
        #expect(throws: SystemError(operation: "accept(127.0.0.1)", errno: .badFileDescriptor)) {
            _ = try listener.accept()
        }
    }
}

@Suite("MonotonicClock: one clock, its conversions, and a Swift Clock")
struct MonotonicClockTests {
    @Test("milliseconds, microseconds and nanoseconds are one reading scaled, and never go back")
    func conversions() {
        let instant = MonotonicClock.Instant(nanoseconds: 12_345_678_901)
        #expect(instant.microseconds == 12_345_678)
        #expect(instant.milliseconds == 12_345)
        let before = MonotonicClock.nowNanoseconds
        let milliseconds = MonotonicClock.nowMilliseconds, microseconds = MonotonicClock.nowMicroseconds
        let after = MonotonicClock.nowNanoseconds
        #expect(before <= after)
        #expect(before / 1_000_000 <= milliseconds && milliseconds <= after / 1_000_000)
        #expect(before / 1000 <= microseconds && microseconds <= after / 1000)
    }

    @Test("instants advance and measure by Duration, saturating instead of wrapping")
    func instantArithmetic() {
        let start = MonotonicClock.Instant(nanoseconds: 1_000)
        #expect(start.advanced(by: .microseconds(3)).nanoseconds == 4_000)
        #expect(start.advanced(by: .nanoseconds(-400)).nanoseconds == 600)
        #expect(start.advanced(by: .seconds(-5)).nanoseconds == 0)
        #expect(MonotonicClock.Instant(nanoseconds: .max - 1).advanced(by: .seconds(1)).nanoseconds == .max)
        #expect(start.duration(to: start.advanced(by: .milliseconds(7))) == .milliseconds(7))
        #expect(start.advanced(by: .milliseconds(7)).duration(to: start) == .milliseconds(-7))
        #expect(start < start.advanced(by: .nanoseconds(1)))
    }

    @Test("a blocking sleep lasts at least what was asked")
    func blockingSleep() {
        let clock = MonotonicClock()
        let start = clock.now
        MonotonicClock.blockingSleep(for: .milliseconds(20))
        #expect(start.duration(to: clock.now) >= .milliseconds(20))
        MonotonicClock.blockingSleep(for: .milliseconds(-5))  // nothing to wait for: returns
    }
}
