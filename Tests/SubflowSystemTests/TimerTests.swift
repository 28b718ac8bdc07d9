import Glibc
import SubflowSystem
import Testing

@testable import SubflowTestSupport

extension EventLoopTests {
    /// One-shot timers: one timerfd for all of them, a heap in deadline order. ELL's own
    /// timers cost a descriptor each and broke at about 115 pending ones (they then fired at
    /// once: 15 s join timeouts after 1 ms).
    @Suite struct Timers {
        /// When the test scheduled a timer (clock read just before `after`) and with which delay.
        /// The loop reads the clock a moment later, so the timer's deadline lies between
        /// `scheduledAt + delay` and the next timer's `scheduledAt + delay` (µs).
        struct Scheduled {
            var scheduledAt: UInt64 = 0
            var delay: UInt64 = 0
            var firedAt: UInt64 = 0
            var earliest: UInt64 { scheduledAt + delay }
        }

        @Test("100,000 timers fire at their deadlines, in deadline order, none early, costing no descriptor")
        func hundredThousandTimersFireInOrder() throws {
            let count = 100_000
            let loop = try EventLoop()
            let descriptorsBefore = try loopKindDescriptorCount()
            var timers = [Scheduled](repeating: Scheduled(), count: count)
            var order: [Int] = []
            order.reserveCapacity(count)
            let started = MonotonicClock.nowMicroseconds
            for i in 0..<count {
                // Deadlines spread over 0-1,499 ms in an order unrelated to scheduling order
                // (7,919 is prime, so i * 7,919 mod 1,500 visits every delay alike).
                let delay = UInt64(i * 7_919 % 1_500)
                timers[i].delay = delay * 1000
                timers[i].scheduledAt = MonotonicClock.nowMicroseconds
                loop.after(milliseconds: delay) {
                    timers[i].firedAt = MonotonicClock.nowMicroseconds
                    order.append(i)
                }
            }
            let allScheduled = MonotonicClock.nowMicroseconds
            #expect(loop.pendingTimerCount == count)
            #expect(try loopKindDescriptorCount() == descriptorsBefore, "pending timers must cost no descriptor")
            #expect(turn(loop, until: { order.count == count }, seconds: 120), "\(order.count) of \(count) fired")
            let elapsed = MonotonicClock.nowMicroseconds - started
            print(
                "timers: \(count) scheduled in \((allScheduled - started) / 1000) ms, all fired \(elapsed / 1000) ms after the first was scheduled (latest deadline 1500 ms), loop descriptors \(descriptorsBefore) -> \(try loopKindDescriptorCount())"
            )

            let early = timers.indices.filter { timers[$0].firedAt < timers[$0].earliest }
            #expect(early.isEmpty, "\(early.count) timers fired early, e.g. #\(early.first ?? -1)")
            // a fired before b, so deadline(a) <= deadline(b) must hold:
            // earliest(a) <= deadline(a) <= deadline(b) <= latest(b).
            var misordered = 0
            for (a, b) in zip(order, order.dropFirst()) {
                let latestB = (b + 1 < count ? timers[b + 1].scheduledAt : allScheduled) + timers[b].delay
                if timers[a].earliest > latestB { misordered += 1 }
            }
            #expect(misordered == 0, "\(misordered) timers fired out of deadline order")
            #expect(loop.pendingTimerCount == 0)
        }

        @Test("cancelled timers never fire, also when cancelled from another timer's handler")
        func cancelledTimersNeverFire() throws {
            let loop = try EventLoop()
            var fired = Set<Int>()
            var timers: [OneShotTimer] = []
            for i in 0..<20_000 {
                timers.append(loop.after(milliseconds: UInt64(i % 200)) { fired.insert(i) })
            }
            for i in stride(from: 1, to: timers.count, by: 2) { timers[i].cancel() }
            // Timer 0 fires first (0 ms) and cancels timer 19,998, which is still pending.
            var cancelledFromHandler = false
            loop.after(milliseconds: 0) {
                timers[19_998].cancel(); cancelledFromHandler = true
            }
            #expect(turn(loop, until: { loop.pendingTimerCount == 0 }))
            #expect(cancelledFromHandler)
            #expect(fired.allSatisfy { $0 % 2 == 0 && $0 != 19_998 }, "a cancelled timer fired")
            #expect(fired.count == 10_000 - 1)
            #expect(timers.allSatisfy { !$0.isPending })
        }

        @Test("a flood of due timers, or a timer that always re-arms at 0 ms, does not starve I/O")
        func timersDoNotStarveIO() throws {
            let loop = try EventLoop()
            let (a, b) = socketPair()
            defer { close(a); close(b) }
            var fired = 0
            for _ in 0..<50_000 { loop.after(milliseconds: 0) { fired += 1 } }
            var spins = 0
            var spinner: OneShotTimer?
            func spin() {
                spinner = loop.after(milliseconds: 0) {
                    spins += 1; spin()
                }
            }
            spin()
            // The re-arming timer holds the loop: cancelled, or the loop outlives the test and
            // the next `EventLoop()` is refused (one per process).
            defer { spinner?.cancel() }
            var firedWhenRead: Int?
            let watch = try loop.watchReadable(fd: a) {
                drain(a); firedWhenRead = fired
            }
            defer { watch.cancel() }
            poke(b)
            #expect(turn(loop, until: { firedWhenRead != nil }), "the socket was never served")
            #expect(
                (firedWhenRead ?? .max) < 50_000, "every due timer ran before the ready socket (\(firedWhenRead ?? -1))"
            )
        }

        @Test("creating and cancelling 100,000 timers and 3,000 watches leaves the descriptor count unchanged")
        func noDescriptorLeaks() throws {
            let pairs = try raiseDescriptorLimit(toAtLeast: 8_192) ? 1_500 : 300
            let before = try loopKindDescriptorCount()
            do {
                let loop = try EventLoop()
                #expect(
                    try loopKindDescriptorCount() == before + 5,
                    "ELL's epoll set, ours, the timerfd, the SIGINT and SIGTERM signalfds")
                withExtendedLifetime(loop) {}
            }
            #expect(try loopKindDescriptorCount() == before)
            do {
                let loop = try EventLoop()
                let withLoop = try loopKindDescriptorCount()
                for round in 0..<2 {
                    var timers: [OneShotTimer] = []
                    for i in 0..<50_000 { timers.append(loop.after(milliseconds: UInt64(60_000 + i)) {}) }
                    timers.forEach { $0.cancel() }
                    var sockets: [Descriptor] = []
                    var watches: [FileWatch] = []
                    for _ in 0..<pairs {
                        let (x, y) = socketPair()
                        sockets += [x, y]
                        watches.append(try loop.watchReadable(fd: x) {})
                        watches.append(try loop.watchReadable(fd: y) {})
                    }
                    #expect(loop.watchCount >= 2 * pairs)
                    if round == 0 { watches.forEach { $0.cancel() } } else { watches.removeAll() }  // cancel or drop
                    for fd in sockets {
                        #expect(isOpen(fd), "a watch closed descriptor \(fd)")
                        close(fd)
                    }
                    #expect(try loopKindDescriptorCount() == withLoop, "round \(round)")
                }
                // A loop dropped with timers still pending closes everything too.
                for i in 0..<1_000 { loop.after(milliseconds: UInt64(10_000 + i)) {} }
            }
            #expect(try loopKindDescriptorCount() == before, "the loop's own descriptors are closed with it")
        }
    }
}

/// Lifts the soft RLIMIT_NOFILE to `minimum` if the hard limit allows; says whether it is there.
func raiseDescriptorLimit(toAtLeast minimum: rlim_t) throws -> Bool {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return false }
    if limit.rlim_cur >= minimum { return true }
    guard limit.rlim_max >= minimum else { return false }
    limit.rlim_cur = minimum
    return setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0
}
