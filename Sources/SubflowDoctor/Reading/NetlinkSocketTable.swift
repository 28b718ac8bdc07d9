import SubflowFormats
import SubflowSystem

/// `/proc/net/netlink`: the netlink sockets of the reading thread's network namespace.
///
/// The kernel prints `sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode`, where `Groups`
/// is `%08x` of the low 32 bits of the socket's group bitmap (`(u32)nlk->groups[0]`): group
/// N is bit N−1, and groups above 32 cannot be seen there at all. `Pid` is the netlink port
/// ID, which is not a process ID for a process's second socket; the inode is what maps a
/// socket to its processes (`SocketOwners`).
struct NetlinkSocketTable: Equatable {
    struct Row: Equatable {
        /// The netlink protocol (`Eth`): 16 for NETLINK_GENERIC.
        var netlinkProtocol: Int32
        /// The first 32 groups' bitmap.
        var groups: UInt32
        var inode: UInt64
    }

    /// The file doctor reads: the calling *thread's* namespace (`/proc/net` follows the main
    /// thread's, which need not be the one doctor entered).
    static let path = "/proc/thread-self/net/netlink"
    /// The highest group ID whose membership the `Groups` column can show.
    static let visibleGroups: UInt32 = 32

    var rows: [Row]

    /// Parses the file's text; columns are found by their header names. A line that does
    /// not parse is an error naming it: a misread table would give a wrong finding.
    init(parsing text: String) throws(TableUnreadable) {
        let lines = text.split(separator: "\n")
        guard let header = lines.first?.split(separator: " ").map(String.init) else {
            throw TableUnreadable("\(Self.path) is empty")
        }
        guard let protocolColumn = header.firstIndex(of: "Eth"), let groupsColumn = header.firstIndex(of: "Groups"),
            let inodeColumn = header.firstIndex(of: "Inode")
        else {
            throw TableUnreadable("\(Self.path): unexpected header \(InputExcerpt.of(String(lines[0])))")
        }
        rows = []
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > max(protocolColumn, groupsColumn, inodeColumn),
                let netlinkProtocol = Int32(fields[protocolColumn]),
                let groups = UInt32(fields[groupsColumn], radix: 16), let inode = UInt64(fields[inodeColumn])
            else {
                throw TableUnreadable("\(Self.path): cannot read line \(InputExcerpt.of(String(line)))")
            }
            rows.append(Row(netlinkProtocol: netlinkProtocol, groups: groups, inode: inode))
        }
    }

    static func read() throws(TableUnreadable) -> NetlinkSocketTable {
        let text: String
        do { text = try TextFile.read(path, limit: 16 << 20) } catch { throw TableUnreadable("\(error)") }
        return try NetlinkSocketTable(parsing: text)
    }

    /// The inodes of `netlinkProtocol` sockets subscribed to `group`; nil when the group ID
    /// is beyond what the file shows (then nothing can be said).
    func subscribers(protocol netlinkProtocol: Int32, group: UInt32) -> [UInt64]? {
        guard group >= 1, group <= Self.visibleGroups else { return nil }
        let bit: UInt32 = 1 << (group - 1)
        return rows.filter { $0.netlinkProtocol == netlinkProtocol && $0.groups & bit != 0 }.map(\.inode)
    }
}
