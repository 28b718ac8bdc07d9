import Glibc
import SubflowSystem
import Testing

@testable import SubflowTestSupport

extension EventLoopTests {
    /// Descriptor watches: any descriptor number, level-triggered, errors and hang-ups reported
    /// to the read handler, and only the owner ever stops a watch.
    @Suite struct FileWatches {
        @Test("a descriptor above 127 (ELL's own limit) is watched and delivers readiness")
        func descriptorAbove127() throws {
            let loop = try EventLoop()
            let (a, b) = socketPair()
            let high = duplicate(a, atLeast: 500)
            try #require(high.rawValue >= 500, "F_DUPFD to 500+: errno \(errno) (RLIMIT_NOFILE too low?)")
            defer { close(a); close(b); close(high) }
            var reads = 0
            let watch = try loop.watchReadable(fd: high) {
                reads += 1; drain(high)
            }
            poke(b)
            #expect(turn(loop, until: { reads == 1 }), "no readiness from descriptor \(high)")
            watch.cancel()
        }

        @Test("a loop created while 300 descriptors are open (all its own land above 127) watches, times and stops")
        func loopCreatedLate() throws {
            var held: [Int32] = []
            defer { held.forEach { close($0) } }
            while held.count < 300 {
                let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
                try #require(fd >= 0, "open /dev/null: errno \(errno)")
                held.append(fd)
            }
            let loop = try EventLoop()
            let (a, b) = socketPair()
            defer { close(a); close(b) }
            var read = false
            let watch = try loop.watchReadable(fd: a) {
                drain(a); read = true
            }
            defer { watch.cancel() }
            var fired = false
            loop.after(milliseconds: 20) { fired = true }
            poke(b)
            #expect(turn(loop, until: { read && fired }), "read \(read), timer fired \(fired)")
            loop.after(milliseconds: 10) { loop.stop() }
            #expect(loop.run(onTerminate: { _ in }) == 0, "run returns after stop()")
        }

        @Test("a handler may cancel its own watch, and a watch it cancels later in the same batch never runs")
        func handlerCancelsWatches() throws {
            let loop = try EventLoop()
            let (a, b) = socketPair()
            let (c, d) = socketPair()
            defer { for fd in [a, b, c, d] { close(fd) } }
            let ownWatches = loop.watchCount
            var first = 0, second = 0
            var watchA: FileWatch?
            var watchC: FileWatch?
            // Whichever of the two runs first cancels both; the other must then stay silent
            // although its descriptor was reported ready in the same epoll batch.
            watchA = try loop.watchReadable(fd: a) {
                first += 1; watchA?.cancel(); watchC?.cancel()
            }
            watchC = try loop.watchReadable(fd: c) {
                second += 1; watchC?.cancel(); watchA?.cancel()
            }
            poke(b)
            poke(d)
            #expect(turn(loop, until: { first + second > 0 }))
            // Nothing was read: a live level-triggered watch would be called again and again.
            for _ in 0..<5 { loop.iterate(timeoutMilliseconds: 10) }
            #expect(first + second == 1, "read handlers ran \(first) + \(second) times after cancelling")
            #expect(loop.watchCount == ownWatches, "both watches are gone")
        }

        @Test(
            "a timer may cancel a watch whose descriptor is ready in the same turn; the handler never runs afterwards")
        func timerCancelsAWatch() throws {
            let loop = try EventLoop()
            let (a, b) = socketPair()
            defer { close(a); close(b) }
            var cancelled = false
            var callsAfterCancel = 0
            let watch = try loop.watchReadable(fd: a) { if cancelled { callsAfterCancel += 1 } }  // never drains: stays ready
            poke(b)
            loop.after(milliseconds: 5) {
                watch.cancel(); cancelled = true
            }
            #expect(turn(loop, until: { cancelled }))
            for _ in 0..<5 { loop.iterate(timeoutMilliseconds: 10) }
            #expect(callsAfterCancel == 0)
        }

        @Test("a peer hang-up reaches the read handler and the watch stays until its owner cancels it")
        func hangUpKeepsTheWatch() throws {
            let loop = try EventLoop()
            let (a, b) = socketPair()
            defer { close(a) }
            var calls = 0
            var sawEnd = false
            let watch = try loop.watchReadable(fd: a) {
                calls += 1
                var byte: UInt8 = 0
                if read(a.rawValue, &byte, 1) == 0 { sawEnd = true }
            }
            close(b)
            #expect(turn(loop, until: { calls >= 3 }), "the hang-up is reported while the watch lives")
            #expect(sawEnd)
            watch.cancel()
            let before = calls
            for _ in 0..<3 { loop.iterate(timeoutMilliseconds: 10) }
            #expect(calls == before, "no call after cancel")
        }

        @Test("watching a descriptor twice is an error, not a silent replacement")
        func doubleWatchFails() throws {
            let loop = try EventLoop()
            let (a, b) = socketPair()
            defer { close(a); close(b) }
            let watch = try loop.watchReadable(fd: a) {}
            #expect(throws: SystemError.self) { _ = try loop.watchReadable(fd: a) {} }
            watch.cancel()
        }

        @Test("cancelling a watch whose descriptor was closed and reused leaves the new watch alone")
        func staleCancelSparesTheSuccessor() throws {
            let loop = try EventLoop()
            let (a, b) = socketPair()
            let old = try loop.watchReadable(fd: a) {}
            close(a)
            close(b)
            let (c, d) = socketPair()  // the lowest free numbers: very likely a's and b's again
            defer { close(c); close(d) }
            var reads = 0
            let current = try loop.watchReadable(fd: c) {
                reads += 1; drain(c)
            }
            old.cancel()
            poke(d)
            #expect(
                turn(loop, until: { reads > 0 }), "the new watch on descriptor \(c) was removed by the stale cancel")
            current.cancel()
        }
    }
}
