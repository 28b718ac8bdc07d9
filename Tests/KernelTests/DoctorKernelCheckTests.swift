import Foundation
import Testing

@testable import SubflowTestSupport

/// `subflowctl doctor` on the kernel check (failure mode K3): MPTCP disabled in a namespace is a
/// problem with the value read and a fix that, run, clears it; `--all-netns` says which
/// namespace. Other namespaces on the host may have findings of their own (other suites run
/// at the same time): only this test's namespaces are asserted on.
@Suite(.serialized, .enabled(if: isRoot, needsRootComment), .timeLimit(.minutes(10)))
struct DoctorKernelCheckTests {
    static func doctor(_ arguments: [String]) throws -> (status: Int32, report: DoctorJSONReport) {
        let result = try BuiltProducts.subflowctl(["doctor", "--json"] + arguments)
        return (result.status, try DoctorJSONReport(result.stdout))
    }

    static func findings(_ report: DoctorJSONReport, id: String, namespace: String) -> [DoctorJSONReport.Finding] {
        report.findings.filter { $0.id == id && $0.namespace == namespace }
    }

    @Test func mptcpDisabledIsAProblemWhoseFixClearsIt() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let ns = try bed.addNamespace("doc", sysctls: ["net.mptcp.enabled": "0"])
        let before = try Self.doctor(["--netns", ns])
        #expect(before.status == 2)
        let found = Self.findings(before.report, id: "mptcp-disabled", namespace: ns)
        #expect(found.count == 1)
        #expect(found.first?.severity == "problem")
        #expect(found.first?.value("net.mptcp.enabled") == "0")
        let fix = try #require(found.first?.fix)
        #expect(fix == "ip netns exec \(ns) sysctl -w net.mptcp.enabled=1")
        _ = try bed.check(nil, ["sh", "-c", fix])  // run as an admin would copy it
        let after = try Self.doctor(["--netns", ns])
        #expect(Self.findings(after.report, id: "mptcp-disabled", namespace: ns).isEmpty)
        #expect(try bed.readSysctl(ns, "net.mptcp.enabled") == "1")
    }

    @Test func allNetnsVisitsEveryNamespaceAndNamesIt() throws {
        let bed = try Testbed()
        defer { bed.teardown() }
        let off = try bed.addNamespace("off", sysctls: ["net.mptcp.enabled": "0"])
        let on = try bed.addNamespace("on")
        let run = try Self.doctor(["--all-netns"])
        let visited = run.report.namespaces
        #expect(visited.contains(off) && visited.contains(on), "\(visited)")
        #expect(Self.findings(run.report, id: "mptcp-disabled", namespace: off).count == 1)
        #expect(Self.findings(run.report, id: "mptcp-disabled", namespace: on).isEmpty)
        #expect(run.status == 2)
    }

    @Test func anUnknownNamespaceIsAClearError() throws {
        let result = try BuiltProducts.subflowctl(["doctor", "--netns", "sfd-no-such-namespace"])
        #expect(result.status != 0 && result.status != 2)
        #expect(result.stderr.contains("cannot enter network namespace sfd-no-such-namespace"), "\(result.stderr)")
    }
}
