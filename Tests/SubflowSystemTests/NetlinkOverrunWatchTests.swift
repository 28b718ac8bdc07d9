import Foundation
import Glibc
import MPTCPWire
import SubflowSystem
import Testing

@testable import SubflowTestSupport

extension EventLoopTests {
    /// A real netlink overrun: the kernel sets ENOBUFS on the socket and epoll reports
    /// EPOLLERR. ELL's own l_io took that for a disconnect and removed the watch, so the
    /// daemon never read its kernel sockets again.
    @Suite(.enabled(if: getuid() == 0, "needs root: creates a network namespace and links in it"))
    struct NetlinkOverrun {
        @Test("an ENOBUFS overrun (EPOLLERR) keeps the watch: the reader sees ENOBUFS and later events still arrive")
        func overrunKeepsTheWatch() throws {
            let namespace = try ScratchNamespace(role: "enobufs")
            defer { namespace.remove() }
            let loop = try EventLoop()
            // The smallest receive buffer the kernel grants (it rounds tiny requests up).
            let socket = try namespace.netlinkSocket(protocol: NetlinkProtocolNumber.route, receiveBufferBytes: 1)
            try socket.join(group: RouteNetlink.Group.link)

            var overruns = 0
            var datagrams = 0
            let watch = try loop.watchReadable(fd: socket.fd) {
                _ = try? socket.drain(datagram: { _ in datagrams += 1 }, overrun: { overruns += 1 })
            }
            defer { watch.cancel() }

            // Far more link notifications than the buffer holds, while the loop does not read.
            try namespace.ip(batch: (0..<400).map { "link set lo mtu \(2000 + $0)" })
            #expect(turn(loop, until: { overruns > 0 }), "no ENOBUFS seen (\(datagrams) datagrams read)")

            // The watch must still be there: one more link change has to reach the handler.
            let before = datagrams
            try namespace.ip(batch: ["link set lo mtu 1500"])
            #expect(
                turn(loop, until: { datagrams > before }),
                "after the overrun the socket was no longer read (\(overruns) overruns, \(datagrams) datagrams)")
        }
    }
}

/// A network namespace of this test process (`sfd-<pid>-<hex>-<role>`, the testbed's naming,
/// so stale ones are recognised), removed by `remove()`.
struct ScratchNamespace {
    let name: String

    init(role: String) throws {
        name = "sfd-\(getpid())-\(String(format: "%06x", UInt32.random(in: 0...0xFF_FFFF)))-\(role)"
        try Self.run(["ip", "netns", "add", name])
    }

    func remove() { _ = try? Self.run(["ip", "netns", "delete", name]) }

    /// `ip -n NAME -batch -` with these commands.
    func ip(batch commands: [String]) throws {
        try Self.run(["ip", "-n", name, "-batch", "-"], input: commands.joined(separator: "\n") + "\n")
    }

    /// A netlink socket that lives in this namespace: opened on a short-lived thread that
    /// joined the namespace (setns changes only the calling thread, which then ends).
    func netlinkSocket(protocol netlinkProtocol: Int32, receiveBufferBytes: Int) throws -> NetlinkSocket {
        let path = "/run/netns/\(name)"
        let outcome = ThreadOutcome()
        let thread = Thread {
            defer { outcome.done.signal() }
            outcome.result = Result { () throws(SystemError) in
                try NetworkNamespace.enterOnCurrentThread(path: path)
                return try NetlinkSocket(protocol: netlinkProtocol, receiveBufferBytes: receiveBufferBytes)
            }
        }
        thread.start()
        outcome.done.wait()
        return try outcome.result.get()
    }

    /// Hands the socket from the namespace thread back (the semaphore orders the accesses).
    private final class ThreadOutcome: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var result: Result<NetlinkSocket, SystemError> = .failure(
            SystemError(operation: "setns thread", errno: .tryAgain))
    }

    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(
            fileURLWithPath: ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
                .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/ip")
        process.arguments = Array(arguments.dropFirst())
        let stdin = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardError = stderr
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw SystemError(operation: arguments.joined(separator: " "), errno: .ioError, detail: errors)
        }
        return errors
    }
}
