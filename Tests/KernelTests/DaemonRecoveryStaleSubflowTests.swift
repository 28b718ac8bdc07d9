import Foundation
import Testing

@testable import SubflowTestSupport

/// Recovery keeps no stale subflow (issue 8, defect 13): an address removed while subflowd was
/// down leaves its subflows in the kernel; the restarted daemon adopts the connection and its
/// policy closes them, as the live daemon would have when the address went. Counted with `ss`.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct DaemonRecoveryStaleSubflowTests {
    @Test func subflowsOnAnAddressRemovedWhileDownAreClosedAfterRestart() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let recovery = DaemonRecoveryTests()
        let (net, first, token, _) = try recovery.meshDuringTransfer(bed)
        let gone = net.pathB.clientIPv4
        #expect(
            try KernelProbe.establishedSubflows(bed, in: net.client, token: token).filter { $0.localAddress == gone }
                .count == 2)

        recovery.killHard(first)
        try bed.check(net.client, ["ip", "address", "del", "\(gone)/24", "dev", net.pathB.clientInterface])
        Thread.sleep(forTimeInterval: 0.5)
        let stale = try KernelProbe.establishedSubflows(bed, in: net.client, token: token).filter {
            $0.localAddress == gone
        }
        #expect(stale.count == 2, "the kernel keeps subflows on a removed address while nobody closes them: \(stale)")

        let second = try bed.startDaemon(in: net.client, name: "subflowd-restarted")
        let left = try waitUntil(
            "the subflows from \(gone) closed", timeout: .seconds(10),
            observe: { try KernelProbe.establishedSubflows(bed, in: net.client, token: token) },
            until: { subflows in !subflows.contains { $0.localAddress == gone } })
        #expect(left.count == 2, "the path-A subflows stay: \(left)")
        #expect(second.stderr.contains("recovery: connection \(token) has subflow"), "\(second.stderr)")
        #expect(second.stderr.contains("destroy-subflow"), "\(second.stderr)")
        Thread.sleep(forTimeInterval: 1)
        #expect(!second.stderr.contains("create-subflow token=\(token) local=\(gone)"), "no join from the gone address")
        #expect(second.isRunning)
    }
}
