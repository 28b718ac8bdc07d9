import Foundation
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// The MIB reader subflowd uses to notice dropped ADD_ADDRs (no root needed).
@Suite struct NetstatCountersTests {
    @Test func parsesTheGroupsNameAndValueLines() {
        let text = """
            TcpExt: SyncookiesSent SyncookiesRecv
            TcpExt: 1 2
            MPTcpExt: MPCapableSYNRX AddAddrTx AddAddrTxDrop
            MPTcpExt: 7 3 0
            """
        #expect(
            NetstatCounters.parse(text, group: "MPTcpExt") == ["MPCapableSYNRX": 7, "AddAddrTx": 3, "AddAddrTxDrop": 0])
        #expect(NetstatCounters.parse(text, group: "IpExt").isEmpty)
    }

    @Test func readsThisNamespacesCounters() throws {
        let counters = try NetstatCounters.read(group: "MPTcpExt")
        #expect(counters["AddAddrTxDrop"] != nil, "this kernel counts dropped ADD_ADDRs")
    }
}
