import Glibc
import Testing

@testable import SubflowSystem

/// The syscall seam (Internals/Syscalls.swift, SyscallFaults) and the one EINTR policy
/// (retryingOnInterrupt): each test makes chosen calls fail with chosen errnos and watches what
/// the public types make of it. Plans are per task, so these run beside other suites.
@Suite("Syscalls: one EINTR policy, errnos surfaced by name, faults injected per task")
struct SyscallSeamTests {
    static let interruptedThrice: [Errno] = [.interrupted, .interrupted, .interrupted]

    @Test("a read that EINTR interrupts three times is made again until it succeeds")
    func interruptedReadIsRetried() throws {
        let (a, b) = socketPair()
        defer { a.close(); b.close() }
        poke(b)
        let plan = FaultPlan([.recv: Self.interruptedThrice])
        var buffer = [UInt8](repeating: 0, count: 16)
        let result = SyscallFaults.inject(plan) {
            buffer.withUnsafeMutableBytes { raw in retryingOnInterrupt { system_recv(a, raw.baseAddress, raw.count, 0) }
            }
        }
        #expect(result == .success(1))
        #expect(buffer[0] == 1)
        #expect(plan.remaining(.recv) == 0, "every planned EINTR was met by a retry")
    }

    @Test("an errno other than EINTR is returned at once, by name, and not retried")
    func otherErrnosAreNotRetried() {
        let (a, b) = socketPair()
        defer { a.close(); b.close() }
        poke(b)
        let plan = FaultPlan([.recv: [.connectionReset, .connectionReset]])
        var buffer = [UInt8](repeating: 0, count: 16)
        let result = SyscallFaults.inject(plan) {
            buffer.withUnsafeMutableBytes { raw in retryingOnInterrupt { system_recv(a, raw.baseAddress, raw.count, 0) }
            }
        }
        #expect(result == .failure(.connectionReset))
        #expect(plan.remaining(.recv) == 1, "one call, not two")
    }

    @Test("a plan stays inside its task: calls outside inject reach the kernel")
    func plansDoNotLeak() {
        let (a, b) = socketPair()
        defer { a.close(); b.close() }
        let plan = FaultPlan([.write: [.brokenPipe]])
        _ = SyscallFaults.inject(plan) { 0 }
        #expect(a.writeAll([7]) == nil, "the write outside inject was not failed")
        #expect(plan.remaining(.write) == 1)
    }

    @Test("a whole write goes on after EINTR; EPIPE ends it with the errno")
    func writeAll() {
        let (a, b) = socketPair()
        defer { a.close(); b.close() }
        let interrupted = FaultPlan([.send: Self.interruptedThrice])
        #expect(SyscallFaults.inject(interrupted) { a.writeAll([1, 2, 3], .send) } == nil)
        #expect(interrupted.remaining(.send) == 0)
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(read(b.rawValue, &buffer, buffer.count) == 3)
        let broken = FaultPlan([.send: [.brokenPipe]])
        #expect(SyscallFaults.inject(broken) { a.writeAll([1], .send) } == .brokenPipe)
    }

    @Test("a whole-file read survives EINTR and names a failed read")
    func wholeFileRead() throws {
        let path = "/tmp/sfd-sys-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        let content = [UInt8](repeating: 0x41, count: 200_000)
        try Files.writeBytes(path, content)
        let interrupted = FaultPlan([.pread: Self.interruptedThrice])
        #expect(try SyscallFaults.inject(interrupted) { try Files.readBytes(path) } == content)
        #expect(interrupted.remaining(.pread) == 0)
        let failing = FaultPlan([.pread: [.ioError]])
        let error = #expect(throws: SystemError.self) {
            try SyscallFaults.inject(failing) { try Files.readBytes(path) }
        }
        #expect(error?.errno == .ioError)
        #expect(error?.operation == "read")
    }

    @Test("UNIX stream sockets: connect after EINTR, accept past ECONNABORTED, EAGAIN means none waiting")
    func unixStreams() throws {
        let path = "/tmp/sfd-sys-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let listener = try UnixStreamListener.bind(path: path, mode: 0o600, group: nil)
        defer { listener.close() }
        let connectPlan = FaultPlan([.connect: [.interrupted]])
        let client = try SyscallFaults.inject(connectPlan) { try UnixStreamClient.connect(path: path) }
        #expect(connectPlan.remaining(.connect) == 0)
        defer { client.close() }
        let acceptPlan = FaultPlan([.accept: [.connectionAborted, .interrupted]])
        let accepted = try #require(try SyscallFaults.inject(acceptPlan) { try listener.accept() })
        defer { accepted.fd.close() }
        #expect(acceptPlan.remaining(.accept) == 0)
        #expect(accepted.peer.pid == getpid())
        #expect(try listener.accept() == nil, "nobody else waits: EAGAIN is nil, not an error")

        let refused = FaultPlan([.connect: [.connectionRefused]])
        let error = #expect(throws: SystemError.self) {
            try SyscallFaults.inject(refused) { try UnixStreamClient.connect(path: path) }
        }
        #expect(error?.errno == .connectionRefused)
    }

    @Test("a wait that signals interrupt goes on until its deadline, then says ETIMEDOUT")
    func interruptedWaitTimesOut() throws {
        let path = "/tmp/sfd-sys-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let listener = try UnixStreamListener.bind(path: path, mode: 0o600, group: nil)
        defer { listener.close() }
        let client = try UnixStreamClient.connect(path: path)
        defer { client.close() }
        let plan = FaultPlan([.poll: Self.interruptedThrice])
        let error = #expect(throws: SystemError.self) {
            try SyscallFaults.inject(plan) { try client.readLine(timeout: .milliseconds(50), maximum: 100) }
        }
        #expect(error?.errno == .timedOut)
        #expect(plan.remaining(.poll) == 0)
    }

    @Test("netlink: ENOBUFS is an overrun, EAGAIN an empty socket, EINTR retried")
    func netlinkReceive() throws {
        let socket = try NetlinkSocket(protocol: 0)  // NETLINK_ROUTE: no privilege needed to open
        let plan = FaultPlan([.recvfrom: [.interrupted, .noBufferSpace, .wouldBlock]])
        let outcomes = try SyscallFaults.inject(plan) { [try socket.receive(), try socket.receive()] }
        guard case .overrun = outcomes[0], case .empty = outcomes[1] else {
            Issue.record("got \(outcomes)")
            return
        }
        #expect(plan.remaining(.recvfrom) == 0)
    }

    @Test("a blocking sleep that signals interrupt sleeps on for the time left")
    func interruptedSleep() {
        let plan = FaultPlan([.nanosleep: Self.interruptedThrice])
        let start = MonotonicClock.now
        SyscallFaults.inject(plan) { MonotonicClock.blockingSleep(for: .milliseconds(20)) }
        #expect(start.duration(to: MonotonicClock.now) >= .milliseconds(20))
        #expect(plan.remaining(.nanosleep) == 0)
    }

    @Test("a failed socket() is a SystemError with the errno and the MPTCP hint")
    func socketFailure() {
        let plan = FaultPlan([.socket: [.protocolNotSupported]])
        let error = #expect(throws: SystemError.self) {
            try SyscallFaults.inject(plan) { try MPTCPSocket(family: .ipv4) }
        }
        #expect(error?.isMPTCPUnavailable == true)
        #expect(error?.description == "socket(AF_INET, IPPROTO_MPTCP): Protocol not supported (errno 93)")
    }
}
