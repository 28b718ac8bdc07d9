import Testing

@testable import SubflowDaemon

/// READY=1 goes to systemd once, and only when the kernel link is recovered and the network
/// picture is complete, whichever comes first.
@Suite struct StartupReadinessTests {
    /// Marks each piece in turn; what `markReady` answered for each.
    private func report(_ pieces: [StartupReadiness.Piece], on readiness: inout StartupReadiness) -> [Bool] {
        pieces.map { readiness.markReady($0) }
    }

    @Test(arguments: [
        [StartupReadiness.Piece.kernelLinkRecovered, .networkSynchronised],
        [.networkSynchronised, .kernelLinkRecovered],
    ])
    func readyOnlyWhenTheLastPieceComesIn(order: [StartupReadiness.Piece]) {
        var readiness = StartupReadiness()
        #expect(report([order[0]], on: &readiness) == [false])
        #expect(!readiness.isReady)
        #expect(readiness.missing == [order[1]])
        #expect(report([order[1]], on: &readiness) == [true])
        #expect(readiness.isReady)
        #expect(readiness.missing.isEmpty)
    }

    /// The rule this type replaced counted reports (`pieces == 2`): one piece reported twice
    /// would have sent READY before recovery ran. Named pieces cannot stand in for each other.
    @Test func aPieceReportedTwiceDoesNotStandInForTheOther() {
        var readiness = StartupReadiness()
        #expect(report([.networkSynchronised, .networkSynchronised], on: &readiness) == [false, false])
        #expect(!readiness.isReady)
        #expect(readiness.missing == [.kernelLinkRecovered])
    }

    @Test func readyIsReportedOnce() {
        var readiness = StartupReadiness()
        let pieces = StartupReadiness.Piece.allCases
        #expect(report(pieces + pieces, on: &readiness) == [false, true, false, false])
        #expect(readiness.isReady)
    }

    @Test func everyPieceIsMissingAtFirst() {
        #expect(StartupReadiness().missing == Set(StartupReadiness.Piece.allCases))
    }
}
