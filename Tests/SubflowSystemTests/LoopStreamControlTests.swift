import Glibc
import SubflowSystem
import SubflowTestSupport
import Testing

extension EventLoopTests {
    /// What an owner does to a LoopStream besides reading and writing: pausing its input,
    /// re-asking for room to write, closing from inside a handler, writing to a vanished peer.
    @Suite struct LoopStreamControl {
        /// The inode of the socket `fd` refers to (nil: `fd` is not open). Comparing inodes, not
        /// merely asking whether `fd` is open, because other suites running meanwhile may get
        /// the number again as soon as it is closed.
        static func inode(_ fd: Descriptor) -> ino_t? {
            var status = stat()
            return fstat(fd.rawValue, &status) == 0 ? status.st_ino : nil
        }

        /// Bytes waiting unread in `fd`'s receive queue.
        static func unread(_ fd: Descriptor) -> Int {
            var buffer = [UInt8](repeating: 0, count: 4096)
            return max(0, recv(fd.rawValue, &buffer, buffer.count, Int32(MSG_PEEK | MSG_DONTWAIT)))
        }

        @Test("pauseReading leaves the peer's bytes in the kernel; resumeReading reports them")
        func pauseKeepsInputInTheKernel() throws {
            let loop = try EventLoop()
            let (a, peer) = socketPair()
            defer { close(peer) }
            var reads = 0
            let stream = try LoopStream(adopting: a, loop: loop, onReadable: { reads += 1 }, onHangUp: {})
            defer { stream.close() }
            stream.pauseReading()
            #expect(stream.isReadingPaused)
            poke(peer)
            // The byte is there before the loop turns, so a watch that still read would run now.
            for _ in 0..<5 { loop.iterate(timeoutMilliseconds: 20) }
            #expect(reads == 0, "a paused stream's read handler ran")
            #expect(Self.unread(a) == 1, "the byte waits in the kernel")
            stream.resumeReading()
            #expect(!stream.isReadingPaused)
            #expect(turn(loop, until: { reads > 0 }), "data waiting when reading resumed was never reported")
            #expect(stream.read(maximum: 16) == .bytes([1]))
        }

        @Test("a write handler that asks for room again is called again")
        func writeHandlerRearms() throws {
            let loop = try EventLoop()
            let (a, peer) = socketPair()
            defer { close(peer) }
            let stream = try LoopStream(adopting: a, loop: loop, onReadable: {}, onHangUp: {})
            defer { stream.close() }
            var calls = 0
            func again() {
                calls += 1
                if calls < 3 { stream.whenWritable(again) }
            }
            stream.whenWritable(again)
            #expect(turn(loop, until: { calls == 3 }), "called \(calls) times, 3 wanted")
            for _ in 0..<5 { loop.iterate(timeoutMilliseconds: 0) }
            #expect(calls == 3, "called again without being asked")
        }

        @Test("close() from inside the read handler closes the descriptor at once; no handler runs after it")
        func closeInsideTheReadHandler() throws {
            let loop = try EventLoop()
            let watchesBefore = loop.watchCount
            let (a, peer) = socketPair()
            let socket = Self.inode(a)
            var stream: LoopStream!
            var reads = 0, hangUps = 0, writes = 0
            stream = try LoopStream(
                adopting: a, loop: loop,
                onReadable: {
                    reads += 1
                    stream.close()
                }, onHangUp: { hangUps += 1 })
            // Output waiting for room: the write handler is armed when the read handler closes.
            let chunk = [UInt8](repeating: 7, count: 65_536)
            while try stream.write(chunk[...]) > 0 {}
            stream.whenWritable { writes += 1 }
            poke(peer)
            drain(peer)  // room to write and input in the same turn
            close(peer)  // and a hang-up
            #expect(turn(loop, until: { stream.isClosed }), "the read handler never ran")
            for _ in 0..<5 { loop.iterate(timeoutMilliseconds: 20) }
            #expect(reads == 1 && hangUps == 0 && writes == 0, "reads \(reads), hang-ups \(hangUps), writes \(writes)")
            #expect(Self.inode(a) != socket, "the descriptor is closed")
            #expect(loop.watchCount == watchesBefore, "the watch is gone")
            #expect(stream.read(maximum: 16) == .end)
            #expect(throws: SystemError(operation: "send", errno: .badFileDescriptor)) { try stream.write([1][...]) }
            stream.whenWritable { writes += 1 }
            stream.close()  // idempotent
            #expect(writes == 0)
        }

        @Test("a write to a peer that has gone fails with EPIPE (no SIGPIPE), and the hang-up reaches the owner")
        func writeToAVanishedPeer() throws {
            let loop = try EventLoop()
            let (a, peer) = socketPair()
            var hungUp = false
            var stream: LoopStream!
            stream = try LoopStream(
                adopting: a, loop: loop,
                onReadable: {
                    if stream.read(maximum: 16) == .end { stream.stopReading() }
                }, onHangUp: { hungUp = true })
            defer { stream.close() }
            close(peer)
            #expect(throws: SystemError(operation: "send", errno: .brokenPipe)) { try stream.write([1, 2, 3][...]) }
            #expect(turn(loop, until: { hungUp }), "the hang-up did not reach the owner")
        }
    }
}
