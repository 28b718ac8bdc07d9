import Testing

@testable import SubflowDoctor

/// `/proc/net/netlink` as Linux 6.18 prints it, with an `ip mptcp monitor` subscribed to
/// `mptcp_pm_events` (group 9: bit 8, `00000100`).
@Suite struct NetlinkSocketTableTests {
    static let captured = """
        sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
        00000000b725a9b1 0   28777      00000000 0        0        0     2        0        7157835 
        000000009583638e 16  0          00000000 0        0        0     2        0        7157823 
        00000000fe02fc1c 16  28777      00000100 0        0        0     2        0        7157836 
        00000000fe02fc1d 16  -4242      00000180 0        0        0     2        0        7157840 
        00000000fe02fc1e 0   12         00000100 0        0        0     2        0        7157841 

        """

    @Test func findsTheGenericSocketsSubscribedToAGroup() throws {
        let table = try NetlinkSocketTable(parsing: Self.captured)
        #expect(table.rows.count == 5)
        #expect(table.rows[2] == .init(netlinkProtocol: 16, groups: 0x100, inode: 7_157_836))
        // Group 9 (bit 8): the two generic sockets, not the rtnetlink one with the same bit.
        #expect(table.subscribers(protocol: 16, group: 9) == [7_157_836, 7_157_840])
        #expect(table.subscribers(protocol: 16, group: 8) == [7_157_840])
        #expect(table.subscribers(protocol: 16, group: 10) == [])
    }

    @Test func groupsTheColumnCannotShowAreUnknownNotEmpty() throws {
        let table = try NetlinkSocketTable(parsing: Self.captured)
        #expect(table.subscribers(protocol: 16, group: 32) == [])
        #expect(table.subscribers(protocol: 16, group: 33) == nil)
        #expect(table.subscribers(protocol: 16, group: 0) == nil)
    }

    @Test func columnsAreFoundByTheirHeaderNames() throws {
        let reordered = "Inode Groups Eth\n99 00000001 16\n"
        #expect(try NetlinkSocketTable(parsing: reordered).subscribers(protocol: 16, group: 1) == [99])
    }

    @Test func aLineThatDoesNotParseIsAnErrorNotASkippedRow() {
        #expect(throws: TableUnreadable.self) {
            try NetlinkSocketTable(parsing: Self.captured + "00000000fe02fc1f 16 1 nothex 0 0 0 2 0 7\n")
        }
        #expect(throws: TableUnreadable.self) { try NetlinkSocketTable(parsing: "sk Pid\n1 2\n") }
        #expect(throws: TableUnreadable.self) { try NetlinkSocketTable(parsing: "") }
    }

    @Test func socketLinksGiveTheirInode() {
        #expect(SocketOwners.socketInode("socket:[7157836]") == 7_157_836)
        #expect(SocketOwners.socketInode("pipe:[7157375]") == nil)
        #expect(SocketOwners.socketInode("/dev/null") == nil)
        #expect(SocketOwners.socketInode("socket:[x]") == nil)
    }
}
