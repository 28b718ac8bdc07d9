import SubflowDoctor
import SubflowSystem
import Testing

/// The counter-delta logic of `--watch` and `--probe`: which counters rose, which of them are
/// findings, how findings sharing an id merge, and the MP_JOIN SYN/SYN-ACK balance.
@Suite struct CounterFindingsTests {
    static let netstat = """
        TcpExt: SyncookiesSent IPReversePathFilter ListenDrops
        TcpExt: 0 4 1
        MPTcpExt: MPCapableSYNRX MPJoinSynTx MPJoinSynAckRx MPJoinRejected MPCurrEstab Blackhole MPCapableSYNTXDrop
        MPTcpExt: 10 0 0 0 3 0 0
        """

    static func snapshot(_ changes: [String: UInt64]) -> CounterSnapshot {
        var values = CounterSnapshot(netstat: netstat).values
        for (name, value) in changes { values[name] = value }
        return CounterSnapshot(values: values)
    }

    let host = HostView(namespace: "ns1")

    @Test func parsesBothGroupsByFullName() {
        let parsed = CounterSnapshot(netstat: Self.netstat)
        #expect(parsed["MPTcpExtMPCurrEstab"] == 3)
        #expect(parsed["TcpExtIPReversePathFilter"] == 4)
        #expect(parsed["MPTcpExtNotThere"] == nil)
    }

    @Test func onlyRisingCountersAreChangesAndGaugesAreNot() {
        let before = CounterSnapshot(netstat: Self.netstat)
        let after = Self.snapshot([
            "MPTcpExtMPCapableSYNRX": 12, "MPTcpExtMPCurrEstab": 9, "TcpExtListenDrops": 0,
            "MPTcpExtOnlyInTheSecond": 5,
        ])
        let changes = after.changes(since: before)
        #expect(Set(changes.keys) == ["MPTcpExtMPCapableSYNRX"])
        #expect(changes["MPTcpExtMPCapableSYNRX"]?.description == "MPTcpExtMPCapableSYNRX +2 (10 → 12)")
    }

    @Test func aQuietPeriodOrInformationalCountersGiveNoFinding() {
        let before = CounterSnapshot(netstat: Self.netstat)
        #expect(CounterFindings.findings(before.changes(since: before), period: "in 5 s", host: host).isEmpty)
        let after = Self.snapshot(["MPTcpExtMPCapableSYNRX": 20])
        #expect(CounterFindings.findings(after.changes(since: before), period: "in 5 s", host: host).isEmpty)
    }

    @Test func aFaultCounterGivesItsFindingWithTheExactEvidence() throws {
        let before = CounterSnapshot(netstat: Self.netstat)
        let after = Self.snapshot(["MPTcpExtMPJoinRejected": 3])
        let found = CounterFindings.findings(after.changes(since: before), period: "in 5 s", host: host)
        let finding = try #require(found.first)
        #expect(found.count == 1)
        #expect(finding.id == "join-rejected" && finding.severity == .problem && finding.namespace == "ns1")
        #expect(finding.evidence == [.init("MPTcpExtMPJoinRejected", "+3 (0 → 3) in 5 s")])
        #expect(finding.fix == nil && finding.summary.contains("To fix: "))
    }

    @Test func countersSharingAFindingMergeIntoOne() throws {
        let before = CounterSnapshot(netstat: Self.netstat)
        let after = Self.snapshot(["MPTcpExtBlackhole": 1, "MPTcpExtMPCapableSYNTXDrop": 1])
        let found = CounterFindings.findings(after.changes(since: before), period: "in 1 s", host: host)
        #expect(found.map(\.id) == ["mp-capable-syn-dropped"])
        #expect(found.first?.evidence.map(\.what) == ["MPTcpExtBlackhole", "MPTcpExtMPCapableSYNTXDrop"])
    }

    @Test func commandFixesRunInTheNamespace() throws {
        let before = CounterSnapshot(netstat: Self.netstat)
        let after = Self.snapshot(["TcpExtIPReversePathFilter": 9])
        let found = CounterFindings.findings(after.changes(since: before), period: "in 1 s", host: host)
        #expect(found.map(\.id) == ["reverse-path-filter-drops"])
        #expect(found.first?.fix == "ip netns exec ns1 sysctl -w net.ipv4.conf.all.rp_filter=2")
    }

    @Test func joinSynsWithoutSynAcksAreUnanswered() throws {
        let before = CounterSnapshot(netstat: Self.netstat)
        let none = Self.snapshot(["MPTcpExtMPJoinSynTx": 12])
        let unanswered = try #require(
            CounterFindings.findings(none.changes(since: before), period: "in 5 s", host: host).first)
        #expect(unanswered.id == "join-syn-unanswered" && unanswered.severity == .problem)
        #expect(unanswered.evidence.first == .init("MPTcpExtMPJoinSynTx", "+12 (0 → 12) in 5 s"))
        let some = Self.snapshot(["MPTcpExtMPJoinSynTx": 4, "MPTcpExtMPJoinSynAckRx": 2])
        #expect(
            CounterFindings.findings(some.changes(since: before), period: "in 5 s", host: host).map(\.severity)
                == [.warning])
        let all = Self.snapshot(["MPTcpExtMPJoinSynTx": 2, "MPTcpExtMPJoinSynAckRx": 2])
        #expect(CounterFindings.findings(all.changes(since: before), period: "in 5 s", host: host).isEmpty)
    }

    /// Every MPTcpExt counter of the running kernel is explained: a fault with its finding, a
    /// healthy-operation counter, or a gauge. A kernel that adds counters fails this until the
    /// table says what they mean.
    @Test func everyCounterOfThisKernelIsClassified() throws {
        guard let live = try? CounterSnapshot.read(), live.values.keys.contains(where: { $0.hasPrefix("MPTcpExt") })
        else { return }  // no upstream MPTCP here: nothing to classify
        let known = Set(CounterMeanings.faults.keys).union(CounterMeanings.informational).union(CounterMeanings.gauges)
        let unexplained = live.values.keys.filter { $0.hasPrefix("MPTcpExt") && !known.contains($0) }.sorted()
        #expect(unexplained.isEmpty, "MPTcpExt counters without a meaning: \(unexplained)")
        for meaning in CounterMeanings.faults.values {
            #expect(
                !meaning.meaning.isEmpty && meaning.findingID.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" })
        }
    }

    @Test func theWatchTakesTwoSnapshotsAroundItsSleep() {
        var report = DoctorReport()
        var slept: [Duration] = []
        CounterWatch.run(seconds: 3, namespace: nil, into: &report, sleep: { slept.append($0) })
        #expect(slept == [.seconds(3)])
        #expect(report.checks == ["watch"])
    }
}
