import Glibc
import SubflowSystem
import SubflowTestSupport
import Testing

@testable import SubflowDaemon

extension DaemonLoopTests {
    /// BufferedConnection over a socketpair: input in chunks, output queued while the client
    /// does not read (and bounded by the once-a-second check), the ways it closes.
    @Suite struct BufferedConnections {
        /// One connection, its peer, and what its callbacks reported.
        final class Served {
            let loop: EventLoop
            let peer: Peer
            let connection: BufferedConnection
            var data: [UInt8] = []
            var closedBecause: [String] = []
            var drained = 0

            init(limits: BufferedConnection.Limits = .init(), smallSendBuffer: Bool = true) throws {
                loop = try EventLoop()
                let (fd, peer) = Peer.pair()
                self.peer = peer
                connection = try BufferedConnection(fd: fd, loop: loop, limits: limits)
                // A small kernel buffer, so that a few KB are enough to make output wait.
                if smallSendBuffer { connection.stream.setSendBuffer(bytes: 4_096) }
                connection.onData = { [unowned self] in self.data += $0 }
                connection.onClosed = { [unowned self] in self.closedBecause.append($0) }
                connection.onOutputDrained = { [unowned self] in self.drained += 1 }
            }

            deinit {
                connection.onClosed = { _ in }  // the callbacks hold this object unowned
                connection.close(because: "test over")
            }

            /// Queues `count` bytes of a pattern; returns them.
            @discardableResult
            func sendPattern(_ count: Int) -> [UInt8] {
                let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
                connection.send(bytes)
                return bytes
            }

            var isClosed: Bool { !closedBecause.isEmpty }
        }

        static let megabyte = 1 << 20

        @Test(
            "chunks reach onData as they arrive; the client's end of input closes the connection once nothing is owed")
        func chunksAndEndOfInput() throws {
            let served = try Served()
            served.peer.send("{\"com")
            #expect(
                turn(served.loop, until: { served.data == Array("{\"com".utf8) }), "a partial line was not passed on")
            served.peer.send("mand\":\"status\"}\n")
            #expect(turn(served.loop, until: { served.data.count == 21 }))
            #expect(served.data == Array("{\"command\":\"status\"}\n".utf8))
            served.connection.send(Array("answer\n".utf8))
            served.peer.shutdownSending()
            #expect(served.peer.read(turning: served.loop, until: { served.isClosed && served.peer.sawEnd }))
            #expect(served.closedBecause == ["done"])
            #expect(served.peer.received == Array("answer\n".utf8))
        }

        @Test("one wake-up reads at most the read budget, and nothing more once the owner paused reading")
        func readBudgetAndPause() throws {
            let served = try Served()
            served.peer.send([UInt8](repeating: 0x61, count: 4 * BufferedConnection.readBudget))
            served.loop.iterate(timeoutMilliseconds: 60_000)
            #expect(
                served.data.count > 0 && served.data.count <= BufferedConnection.readBudget,
                "\(served.data.count) bytes in one wake-up")
            #expect(turn(served.loop, until: { served.data.count == 4 * BufferedConnection.readBudget }))

            served.data = []
            served.connection.onData = { [unowned served] in
                served.data += $0; served.connection.pauseReading()
            }
            served.peer.send([UInt8](repeating: 0x62, count: 20_000))
            #expect(turn(served.loop, until: { !served.data.isEmpty }))
            for _ in 0..<5 { served.loop.iterate(timeoutMilliseconds: 20) }
            #expect(served.data.count <= 4_096, "read \(served.data.count) bytes after pausing")
            served.connection.onData = { [unowned served] in served.data += $0 }
            served.connection.resumeReading()
            #expect(turn(served.loop, until: { served.data.count == 20_000 }), "reading did not resume")
        }

        @Test(
            "output the client does not read waits in the queue, in order, and leaves as it reads; onOutputDrained runs once it is empty"
        )
        func backPressure() throws {
            let served = try Served()
            let first = served.sendPattern(Self.megabyte)
            #expect(served.connection.pendingBytes > 0, "the kernel took a whole megabyte into a 4 KB buffer")
            let tail = Array("tail\n".utf8)
            served.connection.send(tail)
            for _ in 0..<5 { served.loop.iterate(timeoutMilliseconds: 20) }
            #expect(served.drained == 0 && !served.isClosed)
            #expect(
                served.peer.read(
                    turning: served.loop,
                    until: { served.peer.received.count == first.count + tail.count && served.drained > 0 }),
                "received \(served.peer.received.count), drained \(served.drained)")
            // A Bool, not `==` in the expectation: a failure would diff two megabytes for ever.
            let inOrder = served.peer.received == first + tail
            #expect(inOrder, "the client received other bytes than were sent")
            #expect(served.connection.pendingBytes == 0)
            #expect(served.drained == 1)
            #expect(!served.isClosed)
        }

        @Test(
            "closing while output is queued drops it, runs onClosed once and closes the descriptor; later sends are ignored"
        )
        func closeWhileQueued() throws {
            let served = try Served()
            served.sendPattern(Self.megabyte)
            #expect(served.connection.pendingBytes > 0)
            var status = stat()
            #expect(fstat(served.connection.stream.fd.rawValue, &status) == 0)
            let socket = status.st_ino
            served.connection.close(because: "test closes")
            served.connection.close(because: "again")
            served.connection.send([1, 2, 3])
            #expect(served.closedBecause == ["test closes"])
            #expect(served.connection.isClosed && served.connection.pendingBytes == 0)
            // By inode: other suites running meanwhile may get the number again at once.
            #expect(
                fstat(served.connection.stream.fd.rawValue, &status) != 0 || status.st_ino != socket,
                "the descriptor is closed at once")
            #expect(served.peer.read(turning: served.loop, until: { served.peer.sawEnd }))
            #expect(served.peer.received.count < Self.megabyte)
            #expect(served.closedBecause == ["test closes"])
        }

        @Test(
            "closeWhenFlushed with output queued closes only once the client read all of it; what it sends meanwhile is not passed on"
        )
        func closeWhenFlushedWaitsForTheReader() throws {
            let served = try Served()
            let sent = served.sendPattern(Self.megabyte)
            served.connection.closeWhenFlushed()
            #expect(served.connection.isClosing)
            served.peer.send("late request\n")
            #expect(!served.peer.sendFailed)
            for _ in 0..<5 { served.loop.iterate(timeoutMilliseconds: 20) }
            #expect(!served.isClosed, "closed with \(served.connection.pendingBytes) bytes owed")
            #expect(served.peer.read(turning: served.loop, until: { served.peer.sawEnd }))
            let whole = served.peer.received == sent  // a Bool: see backPressure
            #expect(whole, "received \(served.peer.received.count) of \(sent.count) bytes, or others")
            #expect(served.closedBecause == ["done"])
            #expect(served.data.isEmpty, "a closing connection passed on \(served.data.count) bytes")
        }

        @Test("a client that hangs up while its reading is paused is closed by the hang-up")
        func hangUpWhilePaused() throws {
            let served = try Served()
            served.connection.pauseReading()
            served.peer.hangUp()
            #expect(turn(served.loop, until: { served.isClosed }))
            #expect(served.closedBecause == ["the client hung up"])
        }

        @Test("a client that hangs up with output queued for it is closed")
        func hangUpWithOutputQueued() throws {
            let served = try Served()
            served.sendPattern(Self.megabyte)
            served.peer.hangUp()
            #expect(turn(served.loop, until: { served.isClosed }))
            #expect(served.closedBecause.count == 1)
            #expect(served.connection.pendingBytes == 0)
        }

        /// The monitor's drop: what the kernel took of a line is finished, the rest is dropped.
        @Test("discardQueued keeps the rest of a line the kernel took in part, so the client never sees a torn line")
        func discardKeepsWholeLines() throws {
            let served = try Served()
            let line = [UInt8](repeating: 0x78, count: 999) + [0x0A]
            // One send of many lines, so that the kernel takes a part of it: line by line it
            // takes each whole or not at all.
            let batch = [UInt8](Array(repeating: line, count: 100).joined())
            served.connection.send(batch)
            let taken = batch.count - served.connection.pendingBytes
            try #require(taken % line.count != 0, "the kernel took whole lines only (\(taken) bytes): nothing to tear")
            served.connection.discardQueued(keepingThrough: 0x0A)
            #expect(served.connection.pendingBytes < line.count)
            served.connection.send(Array("END\n".utf8))
            #expect(served.peer.read(turning: served.loop, until: { served.peer.lines.last == "END" }))
            let lines = served.peer.lines
            #expect(
                lines.dropLast().allSatisfy { $0.utf8.count == 999 && $0.utf8.allSatisfy { $0 == 0x78 } },
                "a torn line: \(lines.map(\.utf8.count).suffix(3))")
            #expect(lines.count == taken / line.count + 2)
        }

        @Test("soon runs its body on a later turn, one at a time, and never after the connection closed")
        func soonRunsLaterOnce() throws {
            let served = try Served()
            var runs: [String] = []
            served.connection.soon { runs.append("first") }
            served.connection.soon { runs.append("second") }
            #expect(runs.isEmpty, "soon ran its body at once")
            #expect(turn(served.loop, until: { !runs.isEmpty }))
            for _ in 0..<5 { served.loop.iterate(timeoutMilliseconds: 0) }
            #expect(runs == ["first"], "only one body may be pending")
            served.connection.soon { runs.append("after close") }
            served.connection.close(because: "test closes")
            for _ in 0..<5 { served.loop.iterate(timeoutMilliseconds: 20) }
            #expect(runs == ["first"])
        }

        /// The once-a-second check: each bound closes the connection, with why.
        enum Bound: String, CaseIterable, CustomTestStringConvertible {
            case stall, idle, requestDeadline, closingGrace
            var testDescription: String { rawValue }
        }

        @Test(
            "a client that breaks a bound is disconnected by the once-a-second check, with why",
            arguments: Bound.allCases)
        func boundsCloseTheConnection(_ bound: Bound) throws {
            var limits = BufferedConnection.Limits()
            switch bound {
            case .stall: limits.stallMilliseconds = 0
            case .idle: limits.idleMilliseconds = 0
            case .requestDeadline, .closingGrace: limits.closingGraceMilliseconds = 0
            }
            let served = try Served(limits: limits)
            switch bound {
            case .stall: served.sendPattern(Self.megabyte)
            case .idle: break
            case .requestDeadline: served.connection.requestDeadline = MonotonicClock.nowMilliseconds
            case .closingGrace: served.sendPattern(Self.megabyte); served.connection.closeWhenFlushed()
            }
            #expect(turn(served.loop, until: { served.isClosed }), "not closed")
            let expected =
                switch bound {
                case .stall: "it read nothing for 0 s with"
                case .idle: "idle for 0 s"
                case .requestDeadline: "it did not send a whole request in time"
                case .closingGrace: "it did not read its last answer within 0 s"
                }
            #expect(
                served.closedBecause.count == 1 && served.closedBecause[0].hasPrefix(expected),
                "\(served.closedBecause)")
        }
    }
}
