import Foundation
import Testing

@testable import SubflowTestSupport

/// Under systemd's watchdog (a NOTIFY_SOCKET of our own, WATCHDOG_USEC set), subflowd feeds
/// WATCHDOG=1 at every beat as long as its kernel link answers the probe — the probe really
/// goes through the kernel's command socket. (That it stops when the link is dead is
/// LinkWatchdogTests, with an injected probe: nothing can make the real kernel stop answering.)
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct DaemonWatchdogTests {
    /// A bound AF_UNIX datagram socket standing in for systemd's notify socket.
    final class NotifySocket {
        let path: String
        let fd: Int32

        init(path: String) throws {
            self.path = path
            unlink(path)
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                for (i, byte) in path.utf8.enumerated() { buffer[i] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard fd >= 0, bound == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        }

        deinit { close(fd); unlink(path) }

        /// Datagrams received within `seconds`, with their arrival time (seconds from the call).
        func receive(for seconds: Double) -> [(at: Double, text: String)] {
            var received: [(Double, String)] = []
            let start = Date()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date().timeIntervalSince(start) < seconds {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 {
                    received.append((Date().timeIntervalSince(start), String(decoding: buffer[0..<n], as: UTF8.self)))
                }
            }
            return received
        }
    }

    @Test func theWatchdogIsFedWhileTheKernelAnswers() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let namespace = try bed.addNamespace("watchdog", sysctls: ["net.mptcp.path_manager": "userspace"])
        let notify = try NotifySocket(path: bed.workDirectory.appendingPathComponent("notify.sock").path)
        // WATCHDOG_USEC 1 s: a beat every 500 ms. `env` sets it for subflowd only.
        let daemon = try bed.spawn(
            namespace,
            [
                "env", "NOTIFY_SOCKET=\(notify.path)", "WATCHDOG_USEC=1000000",
                try BuiltProducts.subflowd, "--policy", "fullmesh",
                "--plugin-dir", BuiltProducts.directory.path,
                "--control-socket", bed.workDirectory.appendingPathComponent("wd.sock").path,
            ],
            name: "subflowd-watchdog")
        let datagrams = notify.receive(for: 4)
        let beats = datagrams.filter { $0.text.split(separator: "\n").contains("WATCHDOG=1") }
        #expect(datagrams.contains { $0.text.contains("READY=1") }, "\(datagrams)\n\(daemon.stderr)")
        #expect(beats.count >= 5, "a beat every 0.5 s for 4 s: \(datagrams.map(\.at))\n\(daemon.stderr)")
        #expect(!daemon.stderr.contains("not feeding the systemd watchdog"), "\(daemon.stderr)")
        #expect(daemon.isRunning)
    }
}
