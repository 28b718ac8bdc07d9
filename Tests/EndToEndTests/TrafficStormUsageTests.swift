import Foundation
import Testing

@testable import SubflowTestSupport

/// `subflow-traffic storm`'s command line (no root needed).
@Suite struct TrafficStormUsageTests {
    @Test func badStormAndBacklogArgumentsAreUsageErrors() throws {
        let tool = try BuiltProducts.subflowTraffic
        let noTarget = try Command.run([tool, "storm", "--port", "5201"])
        #expect(noTarget.status == 64 && noTarget.stderr.contains("missing --to"), "\(noTarget)")
        let zeroRate = try Command.run([tool, "storm", "--to", "198.18.1.2", "--port", "5201", "--rate", "0"])
        #expect(zeroRate.status == 64 && zeroRate.stderr.contains("--rate must be"), "\(zeroRate)")
        let keep = try Command.run([tool, "storm", "--to", "198.18.1.2", "--port", "5201", "--keep", "-1"])
        #expect(keep.status == 64 && keep.stderr.contains("--keep must be"), "\(keep)")
        let backlog = try Command.run([tool, "serve", "--port", "5201", "--backlog", "0"])
        #expect(backlog.status == 64 && backlog.stderr.contains("--backlog must be"), "\(backlog)")
    }
}
