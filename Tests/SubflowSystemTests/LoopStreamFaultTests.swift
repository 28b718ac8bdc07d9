import Testing

@testable import SubflowSystem

extension EventLoopTests {
    /// LoopStream's reads and writes under injected errnos (see SyscallSeamTests).
    @Suite struct LoopStreamFaults {
        @Test("EINTR is retried, EAGAIN is wouldBlock (data still waits), other errnos fail by name")
        func readOutcomes() throws {
            let loop = try EventLoop()
            let (a, peer) = socketPair()
            defer { peer.close() }
            let stream = try LoopStream(adopting: a, loop: loop, onReadable: {}, onHangUp: {})
            defer { stream.close() }
            poke(peer)
            let plan = FaultPlan([.recv: [.tryAgain, .interrupted, .interrupted, .connectionReset]])
            let outcomes = SyscallFaults.inject(plan) { [stream.read(maximum: 16), stream.read(maximum: 16)] }
            #expect(outcomes[0] == .wouldBlock)
            #expect(outcomes[1] == .failed(SystemError(operation: "recv", errno: .connectionReset)))
            #expect(plan.remaining(.recv) == 0)
            #expect(stream.read(maximum: 16) == .bytes([1]), "the byte was there all along")
        }

        @Test("a full send buffer (EAGAIN) is 0 bytes taken; EINTR is retried; EPIPE throws")
        func writeOutcomes() throws {
            let loop = try EventLoop()
            let (a, peer) = socketPair()
            defer { peer.close() }
            let stream = try LoopStream(adopting: a, loop: loop, onReadable: {}, onHangUp: {})
            defer { stream.close() }
            let plan = FaultPlan([.send: [.wouldBlock, .interrupted, .brokenPipe]])
            let full = SyscallFaults.inject(plan) {
                Result { () throws(SystemError) in try stream.write([1, 2][...]) }
            }
            let broken = SyscallFaults.inject(plan) {
                Result { () throws(SystemError) in try stream.write([1, 2][...]) }
            }
            #expect(full == .success(0))
            #expect(broken == .failure(SystemError(operation: "send", errno: .brokenPipe)))
            #expect(plan.remaining(.send) == 0)
            #expect(try stream.write([1, 2][...]) == 2)
        }
    }
}
