import Foundation
import Testing

@testable import SubflowDoctor

/// Socket inodes mapped to processes through a /proc-like tree of `fd` links.
@Suite struct SocketOwnersTests {
    @Test func holdersAreFoundByInodeWithTheirCommand() throws {
        let proc = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sfd-proc-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: proc) }
        func process(_ pid: Int, _ command: String, _ links: [String]) throws {
            let fd = proc.appendingPathComponent("\(pid)/fd")
            try FileManager.default.createDirectory(at: fd, withIntermediateDirectories: true)
            try "\(command)\n".write(to: proc.appendingPathComponent("\(pid)/comm"), atomically: true, encoding: .utf8)
            for (number, link) in links.enumerated() {
                try FileManager.default.createSymbolicLink(
                    atPath: fd.appendingPathComponent(String(number)).path, withDestinationPath: link)
            }
        }
        try process(10, "subflowd", ["/dev/null", "socket:[100]", "socket:[101]"])
        try process(20, "mptcpd", ["socket:[200]", "pipe:[100]"])
        try process(30, "ip", ["socket:[300]"])
        try FileManager.default.createDirectory(
            at: proc.appendingPathComponent("self"), withIntermediateDirectories: true)

        let found = try SocketOwners.find([101, 200, 999], proc: proc.path)
        #expect(found.owners[101] == [.init(pid: 10, command: "subflowd")])
        #expect(found.owners[200] == [.init(pid: 20, command: "mptcpd")])
        #expect(found.processes.map(\.pid).sorted() == [10, 20])
        #expect(found.unowned([101, 200, 999]) == [999])
        #expect(found.unreadableProcesses == 0)
    }
}
