import Foundation
import Testing

@testable import SubflowTestSupport

/// Without CAP_NET_ADMIN subflowd cannot serve the namespace: it must say so, exit with
/// EX_NOPERM (77), and leave the namespace's path manager as it found it.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct DaemonPermissionTests {
    @Test func withoutNetAdminItExits77AndChangesNothing() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let ns = try bed.addNamespace("cap", sysctls: ["net.mptcp.path_manager": "kernel"])
        let socket = bed.workDirectory.appendingPathComponent("control.sock").path
        // Root, but with CAP_NET_ADMIN dropped from the bounding set: what a container or a
        // too-strict unit gives it.
        let daemon = try bed.spawn(
            ns,
            [
                "setpriv", "--bounding-set=-net_admin", "--inh-caps=-net_admin",
                try BuiltProducts.subflowd, "--policy", "fullmesh", "--set-path-manager",
                "--plugin-dir", BuiltProducts.directory.path, "--control-socket", socket,
            ])
        #expect(daemon.waitForExit(timeout: .seconds(20)) == 77)
        #expect(daemon.stderr.contains("needs CAP_NET_ADMIN"), "\(daemon.stderr)")
        #expect(
            try bed.readSysctl(ns, "net.mptcp.path_manager") == "kernel",
            "the namespace was switched by a daemon that did not run")
    }

    @Test func withNetAdminTheSwitchHappensOnceTheLinkIsUp() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let ns = try bed.addNamespace("cap", sysctls: ["net.mptcp.path_manager": "kernel"])
        let socket = bed.workDirectory.appendingPathComponent("control.sock").path
        let daemon = try bed.spawn(
            ns,
            [
                try BuiltProducts.subflowd, "--policy", "fullmesh", "--set-path-manager",
                "--plugin-dir", BuiltProducts.directory.path, "--control-socket", socket,
            ])
        try waitUntil("ready", timeout: .seconds(20), observe: { daemon.stderr }, until: { $0.contains("ready in") })
        #expect(daemon.stderr.contains("set net.mptcp.path_manager=userspace"), "\(daemon.stderr)")
        #expect(try bed.readSysctl(ns, "net.mptcp.path_manager") == "userspace")
        daemon.stop()
    }
}
