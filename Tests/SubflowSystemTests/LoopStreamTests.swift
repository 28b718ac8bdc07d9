import Glibc
import SubflowSystem
import Testing

@testable import SubflowTestSupport

extension EventLoopTests {
    /// LoopStream (control and metrics clients) on the loop's own watches.
    @Suite struct LoopStreams {
        @Test(
            "a stream above descriptor 127 reads, waits for room to write, and hears the hang-up after its peer's end")
        func streamAbove127() throws {
            let loop = try EventLoop()
            let (a, peer) = socketPair()
            let high = duplicate(a, atLeast: 600)
            close(a)
            try #require(high.rawValue >= 600, "F_DUPFD to 600+: errno \(errno)")
            var received: [UInt8] = []
            var sawEnd = false
            var hungUp = false
            var stream: LoopStream!
            stream = try LoopStream(
                adopting: high, loop: loop,
                onReadable: {
                    while true {
                        switch stream.read(maximum: 4096) {
                        case .bytes(let bytes): received += bytes; continue
                        case .end: sawEnd = true; stream.stopReading()
                        case .wouldBlock, .failed: break
                        }
                        return
                    }
                }, onHangUp: { hungUp = true })
            poke(peer)
            #expect(turn(loop, until: { received == [1] }))

            // Fill the socket until the kernel takes no more, then ask to hear when it drains.
            let chunk = [UInt8](repeating: 7, count: 65_536)
            while try stream.write(chunk[...]) > 0 {}
            var writable = false
            stream.whenWritable { writable = true }
            for _ in 0..<3 { loop.iterate(timeoutMilliseconds: 10) }
            #expect(!writable, "a full socket is not writable")
            drain(peer)
            #expect(turn(loop, until: { writable }), "room to write was never reported")

            // The peer ends: the read handler sees the end and stops reading; the full hang-up
            // (both directions shut) then reaches onHangUp.
            shutdown(peer.rawValue, Int32(SHUT_WR))
            #expect(turn(loop, until: { sawEnd }), "the end of stream was not read")
            #expect(!hungUp)
            close(peer)
            #expect(turn(loop, until: { hungUp }), "the hang-up did not reach the owner")
            stream.close()
            #expect(!isOpen(high), "close() closes the descriptor at once")
        }
    }
}
