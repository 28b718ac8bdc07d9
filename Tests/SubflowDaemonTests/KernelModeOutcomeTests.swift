import Testing

@testable import SubflowDaemon

extension KernelModeCheckTests {
    /// Each outcome of the mode check, on a sysctl table: what it refuses says what is wrong
    /// and how to fix it; what it plans is written only by `apply`, in order.
    @Suite struct Outcomes {
        /// The refusal `plan` throws, or nil if it planned.
        static func refusal(_ values: [String: String], setMode: Bool) -> String? {
            do { _ = try FakeSysctls(values).check.plan(setMode: setMode); return nil } catch {
                return error.description
            }
        }

        @Test("MPTCP missing (no net.mptcp sysctls) is refused, also with --set-path-manager")
        func moduleMissing() {
            for setMode in [false, true] {
                let refusal = Self.refusal([:], setMode: setMode)
                #expect(
                    refusal?.contains("MPTCP is not available") == true && refusal?.contains("CONFIG_MPTCP=y") == true,
                    "\(refusal ?? "planned")")
            }
        }

        @Test("MPTCP disabled is refused naming the sysctl and the fixes; --set-path-manager plans enabling it")
        func disabled() throws {
            let values = ["net.mptcp.enabled": "0", "net.mptcp.path_manager": "userspace"]
            let refusal = try #require(Self.refusal(values, setMode: false))
            #expect(refusal.contains("net.mptcp.enabled = 0"))
            #expect(refusal.contains("sysctl -w net.mptcp.enabled=1") && refusal.contains("--set-path-manager"))
            let sysctls = FakeSysctls(values)
            let plan = try sysctls.check.plan(setMode: true)
            #expect(plan.writes.map { "\($0.name)=\($0.value)" } == ["net.mptcp.enabled=1"])
            #expect(plan.mode.pathManager == "userspace")
        }

        @Test("the in-kernel path manager is refused with the fix; --set-path-manager plans the switch")
        func inKernelPathManager() throws {
            let values = ["net.mptcp.enabled": "1", "net.mptcp.path_manager": "kernel"]
            let refusal = try #require(Self.refusal(values, setMode: false))
            #expect(refusal.contains("in-kernel path manager (net.mptcp.path_manager = kernel)"))
            #expect(
                refusal.contains("sysctl -w net.mptcp.path_manager=userspace") && refusal.contains("--set-path-manager")
            )
            let plan = try FakeSysctls(values).check.plan(setMode: true)
            #expect(plan.writes.map { "\($0.name)=\($0.value)" } == ["net.mptcp.path_manager=userspace"])
            #expect(plan.mode.description == "MPTCP enabled, path manager userspace (set by subflowd)")
        }

        @Test("the userspace path manager is accepted as it is, with or without --set-path-manager")
        func userspacePathManager() throws {
            for setMode in [false, true] {
                let plan = try FakeSysctls(["net.mptcp.enabled": "1", "net.mptcp.path_manager": "userspace"]).check
                    .plan(setMode: setMode)
                #expect(plan.writes.isEmpty && plan.mode.pathManager == "userspace")
            }
        }

        @Test("kernels before 6.15 (net.mptcp.pm_type): 1 is accepted, 0 refused, and switched with --set-path-manager")
        func pmTypeKernels() throws {
            let userspace = try FakeSysctls(["net.mptcp.enabled": "1", "net.mptcp.pm_type": "1"]).check.plan(
                setMode: false)
            #expect(userspace.writes.isEmpty && userspace.mode.pathManager == "userspace")
            let values = ["net.mptcp.enabled": "1", "net.mptcp.pm_type": "0"]
            let refusal = try #require(Self.refusal(values, setMode: false))
            #expect(refusal.contains("net.mptcp.pm_type = 0") && refusal.contains("sysctl -w net.mptcp.pm_type=1"))
            let sysctls = FakeSysctls(values)
            let plan = try sysctls.check.plan(setMode: true)
            #expect(sysctls.written.isEmpty)
            try sysctls.check.apply(plan)
            #expect(sysctls.written == ["net.mptcp.pm_type=1"])
        }

        @Test("MPTCP without any userspace path manager (before Linux 5.19) is refused, also with --set-path-manager")
        func noUserspacePathManager() {
            for setMode in [false, true] {
                let refusal = Self.refusal(["net.mptcp.enabled": "1"], setMode: setMode)
                #expect(
                    refusal?.contains("no userspace path manager") == true && refusal?.contains("5.19") == true,
                    "\(refusal ?? "planned")")
            }
        }

        @Test("a write the kernel refuses stops the plan there, naming the sysctl and CAP_NET_ADMIN")
        func applyRefused() throws {
            struct Denied: Error {}
            let sysctls = FakeSysctls(["net.mptcp.enabled": "0", "net.mptcp.path_manager": "kernel"])
            let plan = try sysctls.check.plan(setMode: true)
            var check = sysctls.check
            var attempted: [String] = []
            check.write = { name, _ in
                attempted.append(name); throw Denied()
            }
            do {
                try check.apply(plan)
                Issue.record("apply did not report the refused write")
            } catch {
                #expect(
                    error.description.contains("could not set net.mptcp.enabled=1")
                        && error.description.contains("CAP_NET_ADMIN"), "\(error)")
            }
            #expect(attempted == ["net.mptcp.enabled"], "a write after a refused one")
        }
    }
}
