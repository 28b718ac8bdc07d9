import MPTCPWire
import SubflowCore
import SubflowPolicy
import Testing

@testable import PathManagerHarness
@testable import SubflowTestSupport

/// One join attempt per address pair: the kernel keeps an unanswered join in SYN_SENT and
/// fullmesh cannot destroy it (SUBFLOW_DESTROY needs the local port, which the kernel reports
/// only with SUB_ESTABLISHED/SUB_CLOSED), so fullmesh must neither retry a pair while its attempt
/// lives nor let a second subflow on a pair, or more than max-subflows, stand.
@Suite struct FullMeshJoinAttemptTests {
    /// Path B's pair from the client's second address to the server's initial address.
    static let pathB = "198.18.2.1>198.18.1.2:443"

    @Test func aTimedOutJoinIsNotRetriedWhileTheKernelStillHoldsIt() throws {
        let h = try Harness(fullmesh: ["join-timeout-ms": "1000", "retry-initial-ms": "100"])
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        // Before the fix each timeout sent another SUBFLOW_CREATE for the same pair (7 here).
        h.scheduler.advance(byMilliseconds: 120_000)
        #expect(h.creates == [Self.pathB])
        // The kernel gives up on the SYN (ETIMEDOUT): now the pair is retried, after the backoff.
        h.event(.subflowClosed(h.subflow(1, "198.18.2.1", 50000, "198.18.1.2", 443, error: 110)))
        #expect(h.creates == [Self.pathB])
        h.scheduler.advance(byMilliseconds: 100)
        #expect(h.creates == [Self.pathB, Self.pathB])
    }

    @Test func aTimedOutJoinThatGetsEstablishedLateIsTheMeshsSubflow() throws {
        let h = try Harness(fullmesh: ["join-timeout-ms": "1000", "retry-initial-ms": "100"])
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.scheduler.advance(byMilliseconds: 5000)
        h.event(.subflowEstablished(h.subflow(1, "198.18.2.1", 50000, "198.18.1.2", 443)))
        h.scheduler.advance(byMilliseconds: 120_000)
        #expect(h.creates == [Self.pathB])
        #expect(h.destroys.isEmpty)
        #expect(h.manager.connections[ConnectionToken(1)]?.subflows.count == 2)
    }

    @Test func aSecondSubflowEstablishedOnAPairIsDestroyedAndItsCloseIsNotRetried() throws {
        let h = try Harness(fullmesh: ["retry-initial-ms": "100"])
        h.twoInterfaces()
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        h.event(.subflowEstablished(h.subflow(1, "198.18.2.1", 50000, "198.18.1.2", 443)))
        // A stray attempt on the same pair (e.g. one left from before a link flap) gets through.
        h.event(.subflowEstablished(h.subflow(1, "198.18.2.1", 50001, "198.18.1.2", 443)))
        #expect(h.destroys == ["198.18.2.1:50001>198.18.1.2:443"], "the newer one goes, the older stays")
        h.event(.subflowClosed(h.subflow(1, "198.18.2.1", 50001, "198.18.1.2", 443)))
        h.scheduler.advance(byMilliseconds: 60_000)
        #expect(h.creates == [Self.pathB], "the pair still has its subflow: nothing to retry")
        let pairs = h.manager.connections[ConnectionToken(1)]?.subflows.map { "\($0.local)>\($0.remote)" }
        #expect(pairs == ["198.18.1.1:40000>198.18.1.2:443", "198.18.2.1:50000>198.18.1.2:443"])
    }

    @Test func attemptsInProgressCountAgainstMaxSubflowsAcrossTimeouts() throws {
        let h = try Harness(fullmesh: ["max-subflows": "3", "join-timeout-ms": "1000", "retry-initial-ms": "100"])
        h.twoInterfaces()
        h.link(4, "eth2"); h.address("198.18.3.1", on: 4)
        h.link(5, "eth3"); h.address("198.18.4.1", on: 5)
        h.establish(h.connection(1, from: "198.18.1.1", to: "198.18.1.2"))
        #expect(h.creates.count == 2, "initial + 2 attempts = 3")
        h.scheduler.advance(byMilliseconds: 120_000)
        #expect(h.creates.count == 2, "timed-out attempts still hold their share of max-subflows")
        // Both attempts get through late, and a third subflow the kernel reports anyway is
        // one too many: it is closed.
        h.event(.subflowEstablished(h.subflow(1, "198.18.2.1", 50000, "198.18.1.2", 443)))
        h.event(.subflowEstablished(h.subflow(1, "198.18.3.1", 50001, "198.18.1.2", 443)))
        h.event(.subflowEstablished(h.subflow(1, "198.18.4.1", 50002, "198.18.1.2", 443)))
        #expect(h.destroys == ["198.18.4.1:50002>198.18.1.2:443"])
    }

    /// A lossy second path, many connections: every create is answered at random — established
    /// at once, closed, established after the join timeout, or (for a while) not at all. Whatever
    /// the order, no connection ever holds two subflows or two live attempts on one pair, nor
    /// more than max-subflows counting attempts, and each ends with its mesh.
    @Test func aLossyPathNeverPilesSubflowsOnAPair() throws {
        let maxSubflows = 4
        let h = try Harness(fullmesh: [
            "max-subflows": String(maxSubflows), "join-timeout-ms": "1000",
            "retry-initial-ms": "100", "retry-limit": "100",
        ])
        h.twoInterfaces()
        var random = SplitMix(seed: 8)
        let connections = 150
        var port: UInt16 = 20000
        /// Attempts the simulated kernel still holds in SYN_SENT: token -> pair -> count.
        var live: [UInt32: [String: Int]] = [:]
        var unanswered: [(token: UInt32, local: String, localID: UInt8, remote: String, answerAt: UInt64)] = []
        var seen = 0
        func answerNewCreates() {
            let commands = h.kernel.commands
            for command in commands[seen...] {
                guard case .subflowCreate(let t, let l, let r) = command, let la = l.address, let ra = r.address else {
                    continue
                }
                let token = t.rawValue, pair = "\(la)>\(ra)"
                live[token, default: [:]][pair, default: 0] += 1
                #expect(live[token]![pair]! == 1, "two attempts on \(pair) for token \(token)")
                let attempts = live[token]!.values.reduce(0, +)
                let established = h.manager.connections[t]?.subflows.count ?? 0
                #expect(
                    attempts + established <= maxSubflows,
                    "token \(token): \(attempts) attempts + \(established) subflows")
                // Answered between now and 10 s later: most after the 1 s join timeout.
                unanswered.append(
                    (
                        token, la.description, l.id?.rawValue ?? 0, ra.description,
                        h.scheduler.nowMilliseconds + random.next(10_000)
                    ))
            }
            seen = commands.count
        }
        for token in 1...UInt32(connections) {
            h.establish(
                h.connection(
                    token, from: "198.18.1.1", UInt16(truncatingIfNeeded: 30000 + Int(token)), to: "198.18.1.2"))
            h.event(
                .announced(
                    token: ConnectionToken(token), id: AddressID(1),
                    endpoint: SocketEndpoint(IPAddress("198.18.2.2")!, port: 443)))
        }
        answerNewCreates()
        while !unanswered.isEmpty {
            unanswered.sort { $0.answerAt < $1.answerAt }
            let next = unanswered.removeFirst()
            h.scheduler.advance(to: max(next.answerAt, h.scheduler.nowMilliseconds))
            live[next.token]![next.local + ">" + next.remote]! -= 1
            port &+= 1
            let failed = random.next(100) < 50
            let info = h.subflow(
                next.token, next.local, port, next.remote, 443, localID: next.localID, error: failed ? 110 : nil)
            h.event(failed ? .subflowClosed(info) : .subflowEstablished(info))
            answerNewCreates()
            // Let the backoff timers of what just failed fire, then answer those joins too.
            if unanswered.isEmpty { h.scheduler.advance(byMilliseconds: 60_000); answerNewCreates() }
        }
        for token in 1...UInt32(connections) {
            let subflows = try #require(h.manager.connections[ConnectionToken(token)]).subflows
            let pairs = subflows.map { "\($0.local.address)>\($0.remote.address)" }
            #expect(Set(pairs).count == pairs.count, "token \(token): duplicate pairs in \(pairs)")
            #expect(Set(pairs).count == maxSubflows, "token \(token): the 2 × 2 mesh: \(pairs)")
        }
    }
}

/// A small deterministic generator, so a failure reproduces.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) % bound
    }
}
