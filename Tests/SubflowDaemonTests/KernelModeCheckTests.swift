import SubflowSystem
import Testing

@testable import SubflowDaemon
@testable import SubflowTestSupport

/// The mode check reads only; the writes it plans happen when the daemon applies the plan.
@Suite struct KernelModeCheckTests {
    final class FakeSysctls {
        var values: [String: String]
        var written: [String] = []
        init(_ values: [String: String]) { self.values = values }
        var check: KernelModeCheck {
            var c = KernelModeCheck()
            c.read = { self.values[$0] }
            c.write = { name, value in
                self.written.append("\(name)=\(value)"); self.values[name] = value
            }
            return c
        }
    }

    @Test func planningASwitchWritesNothingUntilApplied() throws {
        let sysctls = FakeSysctls(["net.mptcp.enabled": "0", "net.mptcp.path_manager": "kernel"])
        let plan = try sysctls.check.plan(setMode: true)
        #expect(sysctls.written.isEmpty)
        #expect(plan.writes.map(\.name) == ["net.mptcp.enabled", "net.mptcp.path_manager"])
        try sysctls.check.apply(plan)
        #expect(sysctls.written == ["net.mptcp.enabled=1", "net.mptcp.path_manager=userspace"])
    }

    @Test func theInKernelPathManagerIsRefusedWithoutSetMode() {
        let sysctls = FakeSysctls(["net.mptcp.enabled": "1", "net.mptcp.path_manager": "kernel"])
        #expect(throws: KernelModeCheck.Refusal.self) { try sysctls.check.plan(setMode: false) }
        #expect(sysctls.written.isEmpty)
    }

    @Test func theUserspacePathManagerNeedsNoWrite() throws {
        let sysctls = FakeSysctls(["net.mptcp.enabled": "1", "net.mptcp.path_manager": "userspace"])
        #expect(try sysctls.check.plan(setMode: true).writes.isEmpty)
    }

    @Test func effectiveCapabilitiesAreReadFromTheStatusFile() throws {
        let root = try #require(ProcessCapabilities.parse(status: "Name:\tx\nCapInh:\t0\nCapEff:\t000001ffffffffff\n"))
        #expect(root.has(.netAdmin))
        let dropped = try #require(ProcessCapabilities.parse(status: "CapEff:\t000001ffffffefff\n"))
        #expect(!dropped.has(.netAdmin))
        #expect(ProcessCapabilities.parse(status: "Name:\tx\n") == nil)
        #expect(ProcessCapabilities.parse(status: "CapEff:\tzz\n") == nil)
    }
}
