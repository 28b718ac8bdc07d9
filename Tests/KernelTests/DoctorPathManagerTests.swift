import Foundation
import Testing

@testable import SubflowTestSupport

/// `subflowctl doctor` on who serves a namespace's connections (failure modes P1, P2, P3):
/// each created in a namespace, found with its id and severity, fixed with its own fix.
/// Listeners count per namespace here: the kernel's own decision is host-wide (fact 1), so
/// nothing below asserts what the kernel does with joins.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(5)))
struct DoctorPathManagerTests {
    static let userspace: KeyValuePairs<String, String> = ["net.mptcp.path_manager": "userspace"]

    /// Waits until doctor's answer satisfies `condition` (a subscription takes a moment).
    static func doctor(
        _ namespace: String, _ what: String, until condition: @escaping (DoctorRun) -> Bool
    ) throws
        -> DoctorRun
    {
        try waitUntil(
            what, timeout: .seconds(20), interval: .milliseconds(200), observe: { try DoctorRun(namespace) },
            until: condition)
    }

    @Test func userspacePathManagerWithoutADaemonIsFoundAndStartingOneClearsIt() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let namespace = try bed.addNamespace("nodaemon", sysctls: Self.userspace)
        // A subscriber in ANOTHER namespace masks the kernel's check host-wide, not doctor's.
        let elsewhere = try bed.addNamespace("elsewhere")
        _ = try bed.spawn(elsewhere, ["ip", "mptcp", "monitor"], name: "monitor-elsewhere")

        let before = try DoctorRun(namespace)
        let found = try #require(before.finding("no-userspace-daemon"), "\(before)")
        #expect(found.severity == "problem")
        #expect(found.evidence.contains { $0.what == "net.mptcp.path_manager" && $0.value == "userspace" })
        #expect(found.evidence.contains { $0.value == "none" }, "\(found.evidence)")
        #expect(found.fix == "ip netns exec \(namespace) subflowd")
        #expect(before.result.status == 2)

        // The fix, with the test's own plugin directory and control socket.
        let daemon = try bed.startDaemon(in: namespace)
        let after = try Self.doctor(namespace, "doctor sees subflowd") { $0.finding("no-userspace-daemon") == nil }
        #expect(after.staticCheckFindings.isEmpty, "\(after)")
        #expect(daemon.isRunning)
    }

    @Test func twoListeningProcessesAreFoundByPidAndStoppingOneClearsIt() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let namespace = try bed.addNamespace("twopm", sysctls: Self.userspace)
        let daemon = try bed.startDaemon(in: namespace)
        let monitor = try bed.spawn(namespace, ["ip", "mptcp", "monitor"], name: "monitor")

        let before = try Self.doctor(namespace, "doctor sees both") { $0.finding("two-path-managers") != nil }
        let found = try #require(before.finding("two-path-managers"))
        #expect(found.severity == "problem")
        #expect(
            found.summary.contains("\(daemon.pid) subflowd") && found.summary.contains("\(monitor.pid) ip"),
            "\(found.summary)")
        #expect(found.evidence.contains { $0.what == "listening process" && $0.value == "pid \(monitor.pid) ip" })
        // subflowd is kept: the fix stops only the other one (a process this test started).
        #expect(found.fix == "kill \(monitor.pid)")

        try DoctorRun.runFix(found)
        #expect(monitor.waitForExit(timeout: .seconds(10)) != nil)
        let after = try Self.doctor(namespace, "one path manager left") { $0.finding("two-path-managers") == nil }
        #expect(after.staticCheckFindings.isEmpty, "\(after)")
        #expect(daemon.isRunning)
    }

    @Test func subflowdUnderTheInKernelPathManagerIsFoundAndTheSysctlClearsIt() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let namespace = try bed.addNamespace("kernelpm", sysctls: Self.userspace)
        let daemon = try bed.startDaemon(in: namespace)
        // What NetworkManager or a late sysctl.d file does behind the daemon's back.
        try bed.sysctl(namespace, "net.mptcp.path_manager", "kernel")

        let before = try Self.doctor(namespace, "doctor sees subflowd") { $0.finding("in-kernel-path-manager") != nil }
        let found = try #require(before.finding("in-kernel-path-manager"))
        #expect(found.severity == "problem")
        #expect(found.evidence.contains { $0.what == "net.mptcp.path_manager" && $0.value == "kernel" })
        #expect(found.evidence.contains { $0.value == "pid \(daemon.pid) subflowd" }, "\(found.evidence)")
        #expect(found.fix == "ip netns exec \(namespace) sysctl -w net.mptcp.path_manager=userspace")

        try DoctorRun.runFix(found)
        #expect(try bed.readSysctl(namespace, "net.mptcp.path_manager") == "userspace")
        let after = try DoctorRun(namespace)
        #expect(after.staticCheckFindings.isEmpty, "\(after)")
    }

    /// Without root, other users' /proc/PID/fd cannot be read: doctor says the check was
    /// skipped and why, and still finds what needs no root (no subscriber at all).
    @Test func withoutRootTheOwnersAreNotGuessed() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let tool = try ToolsForOtherUsers.copy("subflowctl", into: bed)
        func doctorAsNobody(_ namespace: String) throws -> DoctorRun {
            try DoctorRun(
                result: try bed.run(namespace, ["runuser", "-u", "nobody", "--", tool, "doctor", "--json"]))
        }
        let namespace = try bed.addNamespace("nobody", sysctls: Self.userspace)
        let alone = try doctorAsNobody(namespace)
        #expect(alone.finding("no-userspace-daemon")?.severity == "problem", "\(alone)")

        _ = try bed.spawn(namespace, ["ip", "mptcp", "monitor"], name: "monitor-1")
        _ = try bed.spawn(namespace, ["ip", "mptcp", "monitor"], name: "monitor-2")
        _ = try Self.doctor(namespace, "root sees both monitors") { $0.finding("two-path-managers") != nil }
        let unprivileged = try doctorAsNobody(namespace)
        #expect(unprivileged.finding("two-path-managers") == nil && unprivileged.finding("no-userspace-daemon") == nil)
        let skipped = try #require(unprivileged.skipped.first { $0.check == "path-manager" }, "\(unprivileged)")
        #expect(skipped.reason.contains("needs root"), "\(skipped.reason)")

        try bed.sysctl(namespace, "net.mptcp.path_manager", "kernel")
        let kernel = try doctorAsNobody(namespace)
        #expect(kernel.skipped.first { $0.check == "path-manager" }?.reason.contains("subflowd") == true, "\(kernel)")
    }
}
