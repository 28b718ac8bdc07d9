import Testing

@testable import SubflowDoctor

/// sysctl.d(5) lines and their upstream replacements.
@Suite struct SysctlConfLineTests {
    @Test func keysAndValuesAreTrimmedAndSlashKeysNormalised() {
        let line = SysctlConfLine("  net.mptcp.mptcp_enabled = 1  ")
        #expect(line?.key == "net.mptcp.mptcp_enabled" && line?.value == "1")
        #expect(SysctlConfLine("-net.mptcp.mptcp_enabled=2")?.key == "net.mptcp.mptcp_enabled")
        #expect(SysctlConfLine("net/mptcp/mptcp_enabled = 1")?.key == "net.mptcp.mptcp_enabled")
        // "/" first: "." inside a component stays (an interface name like eth0.5).
        #expect(SysctlConfLine("net/ipv4/conf/eth0.5/rp_filter = 2")?.key == "net.ipv4.conf.eth0/5.rp_filter")
    }

    @Test func commentsBlanksAndLinesWithoutEqualsAreNotSettings() {
        #expect(SysctlConfLine("# net.mptcp.mptcp_enabled = 1") == nil)
        #expect(SysctlConfLine("; net.mptcp.mptcp_enabled = 1") == nil)
        #expect(SysctlConfLine("   ") == nil)
        #expect(SysctlConfLine("net.mptcp.mptcp_enabled") == nil)
        #expect(SysctlConfLine(" = 1") == nil)
    }

    @Test func onlyOutOfTreeNamesAreFlagged() {
        #expect(SysctlConfLine("net.mptcp.mptcp_enabled = 1")?.isOutOfTree == true)
        #expect(SysctlConfLine("net.mptcp.enabled = 1")?.isOutOfTree == false)
        #expect(SysctlConfLine("net.mptcp.checksum_enabled = 1")?.isOutOfTree == false)
    }

    @Test func eachOutOfTreeNameGetsItsUpstreamLineOrNone() {
        func replacement(_ line: Substring) -> String? { SysctlConfLine(line)?.upstreamReplacement }
        #expect(replacement("net.mptcp.mptcp_enabled = 2") == "net.mptcp.enabled = 1")
        #expect(replacement("net.mptcp.mptcp_enabled = 0") == "net.mptcp.enabled = 0")
        #expect(replacement("net.mptcp.mptcp_checksum = 1") == "net.mptcp.checksum_enabled = 1")
        #expect(replacement("net.mptcp.mptcp_path_manager = fullmesh") == "net.mptcp.path_manager = kernel")
        #expect(replacement("net.mptcp.mptcp_scheduler = redundant") == "net.mptcp.scheduler = default")
        #expect(replacement("net.mptcp.mptcp_syn_retries = 3") == "net.mptcp.syn_retrans_before_tcp_fallback = 3")
        // Not a number: it would go into the fix's shell command, so the line is only deleted.
        #expect(replacement("net.mptcp.mptcp_syn_retries = 3'; rm -rf /") == nil)
        #expect(replacement("net.mptcp.mptcp_debug = 1") == nil)
    }
}
