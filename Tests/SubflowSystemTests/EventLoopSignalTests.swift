import Glibc
import SubflowSystem
import SubflowTestSupport
import Testing

extension EventLoopTests {
    /// The loop's own life: one per process, signals read from signalfds on the loop thread,
    /// and `run` ended by `stop()` or by SIGINT/SIGTERM through `onTerminate`.
    ///
    /// Signals are sent with pthread_kill to the test's own thread, which the loop blocked them
    /// on: a process-directed signal could land on another thread of the test binary, where
    /// SIGTERM is not blocked and would end the whole run.
    @Suite struct Lifecycle {
        /// Whether `signal` is blocked on the calling thread (else sending it would kill us).
        static func isBlocked(_ signal: Int32) -> Bool {
            var mask = sigset_t()
            return pthread_sigmask(SIG_BLOCK, nil, &mask) == 0 && sigismember(&mask, signal) == 1
        }

        @Test("a second loop while one exists is refused with EBUSY, and the first one's end makes room")
        func oneLoopPerProcess() throws {
            var first: EventLoop? = try EventLoop()
            #expect(first?.watchCount ?? 0 > 0)
            #expect {
                _ = try EventLoop()
            } throws: { ($0 as? SystemError)?.errno == .resourceBusy }
            first = nil
            let second = try EventLoop()
            var fired = false
            second.after(milliseconds: 0) { fired = true }
            #expect(turn(second, until: { fired }), "the loop made after the first one's end does not run timers")
        }

        @Test("a signal reaches its handler on the loop thread, once per delivery, and the signalfd goes quiet")
        func signalsReachTheirHandler() throws {
            let loop = try EventLoop()
            var calls = 0
            // The test runs on a thread of the concurrency pool, where libdispatch blocks
            // signals already: unblock SIGUSR2 (nobody sends it to a test process) to see that
            // onSignal blocks it, as it must on the daemon's main thread.
            var usr2 = sigset_t()
            sigemptyset(&usr2)
            sigaddset(&usr2, SIGUSR2)
            pthread_sigmask(SIG_UNBLOCK, &usr2, nil)
            try #require(!Self.isBlocked(SIGUSR2))
            try loop.onSignal(SIGUSR2) { calls += 1 }
            try #require(Self.isBlocked(SIGUSR2), "onSignal must block the signal it reads from a signalfd")
            pthread_kill(pthread_self(), SIGUSR2)
            #expect(turn(loop, until: { calls == 1 }), "SIGUSR2 never reached its handler")
            // Read to the end: a level-triggered signalfd left readable would call again at once.
            for _ in 0..<5 { loop.iterate(timeoutMilliseconds: 0) }
            #expect(calls == 1)
            pthread_kill(pthread_self(), SIGUSR2)
            #expect(turn(loop, until: { calls == 2 }), "a second SIGUSR2 never reached its handler")
        }

        @Test("SIGTERM and SIGINT reach run's onTerminate, whose stop() ends run; a stop() before run ends it at once")
        func terminationSignalsEndRun() throws {
            let loop = try EventLoop()
            // A safety check more than a test (pool threads block signals anyway): were they not
            // blocked here, pthread_kill would end the test process.
            try #require(Self.isBlocked(SIGTERM) && Self.isBlocked(SIGINT), "the loop must block SIGINT and SIGTERM")
            let thread = pthread_self()
            for signal in [SIGTERM, SIGINT] {
                var received: [Int32] = []
                var gaveUp = false
                loop.after(milliseconds: 0) { pthread_kill(thread, signal) }
                let guardTimer = loop.after(milliseconds: 120_000) {
                    gaveUp = true; loop.stop()
                }
                #expect(
                    loop.run(onTerminate: {
                        received.append($0); loop.stop()
                    }) == EXIT_SUCCESS)
                guardTimer.cancel()
                #expect(!gaveUp, "run did not end on signal \(signal)")
                #expect(received == [signal])
            }

            var gaveUp = false
            let guardTimer = loop.after(milliseconds: 120_000) {
                gaveUp = true; loop.stop()
            }
            loop.stop()
            loop.run(onTerminate: { _ in })
            guardTimer.cancel()
            #expect(!gaveUp, "a stop() before run must make it return at once")
        }
    }
}
