import Testing

@testable import SubflowDaemon

/// The network monitor's dump order and its "picture complete" signals, including lost
/// notifications during the start-up dump (which used to leave the daemon without READY).
@Suite struct RouteDumpSequenceTests {
    @Test func startUpDumpsLinksThenAddressesThenIsSynchronisedOnce() {
        var dumps = RouteDumpSequence()
        #expect(dumps.start() == [.request(.links)])
        #expect(dumps.dumpEnded() == [.request(.addresses)])
        #expect(dumps.dumpEnded() == [.synchronised])
        #expect(dumps.synchronisedOnce)
    }

    @Test func notificationsLostDuringTheStartUpDumpStillEndInSynchronised() {
        var dumps = RouteDumpSequence()
        _ = dumps.start()
        // The link dump is in flight: no second dump request on top of it (EBUSY).
        #expect(dumps.notificationsLost() == [])
        #expect(dumps.dumpEnded() == [.request(.links)])  // the re-dump starts from the links
        #expect(dumps.dumpEnded() == [.request(.addresses)])
        #expect(dumps.dumpEnded() == [.resynchronised, .synchronised])
    }

    @Test func notificationsLostLaterResynchroniseWithoutASecondSynchronised() {
        var dumps = RouteDumpSequence()
        _ = dumps.start(); _ = dumps.dumpEnded(); _ = dumps.dumpEnded()
        #expect(dumps.notificationsLost() == [.request(.links)])
        #expect(dumps.dumpEnded() == [.request(.addresses)])
        #expect(dumps.dumpEnded() == [.resynchronised])
    }

    @Test func lossesWhileAResyncRunsRestartItOnceTheDumpInFlightEnds() {
        var dumps = RouteDumpSequence()
        _ = dumps.start(); _ = dumps.dumpEnded(); _ = dumps.dumpEnded()
        _ = dumps.notificationsLost()  // links in flight
        _ = dumps.dumpEnded()  // addresses in flight
        #expect(dumps.notificationsLost() == [])
        #expect(dumps.dumpEnded() == [.request(.links)])
        #expect(dumps.dumpEnded() == [.request(.addresses)])
        #expect(dumps.dumpEnded() == [.resynchronised])
    }
}
