import Foundation
import Testing

@testable import SubflowTestSupport

/// `subflowctl trace show` on files that are not traces (issue 8, defect 9): before, a FIFO
/// made it wait for a writer for ever and /dev/zero made it read 1 GiB before refusing.
@Suite struct TraceFileSafetyTests {
    static func show(_ path: String) throws -> CommandResult {
        try BuiltProducts.subflowctl(["trace", "show", path])
    }

    @Test func aDeviceIsRefusedWithoutReading() throws {
        let result = try Self.show("/dev/zero")
        #expect(!result.timedOut && result.status != 0, "\(result)")
        #expect(result.stderr.contains("/dev/zero: it is a character device, not a regular file"), "\(result)")
    }

    @Test func aFIFOIsRefusedWithoutWaiting() throws {
        let fifo = "/tmp/sfd-fifo-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).pcap"
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        let result = try Self.show(fifo)
        #expect(!result.timedOut && result.status != 0, "\(result)")
        #expect(result.stderr.contains("it is a FIFO (named pipe), not a regular file"), "\(result)")
    }

    /// A sparse file one byte over the limit: refused from its size, nothing read.
    @Test func aFileOverTheLimitIsRefusedBeforeReading() throws {
        let file = "/tmp/sfd-huge-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).pcap"
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        #expect(fd >= 0)
        defer { unlink(file) }
        #expect(ftruncate(fd, (1 << 30) + 1) == 0)
        close(fd)
        let result = try Self.show(file)
        #expect(!result.timedOut && result.status != 0, "\(result)")
        #expect(result.stderr.contains("larger than the limit of 1073741824 bytes"), "\(result)")
    }
}
