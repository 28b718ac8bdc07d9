import Foundation
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// Pure checks of the socket module's decoding (no root, no kernel state).
@Suite struct SocketModuleTests {
    @Test func mptcpInfoLayoutMatchesInstalledHeader() {
        #expect(MPTCPInfo.installedHeaderAgrees)
    }

    @Test func mptcpInfoDecodesOnlyWhatTheKernelReturned() throws {
        var bytes = [UInt8](repeating: 0, count: MPTCPInfo.newestKnownSize)
        bytes[0] = 1  // extra subflows
        bytes[8] = 0b10  // REMOTE_KEY_RECEIVED
        bytes.replaceSubrange(12..<16, with: [0x78, 0x56, 0x34, 0x12])  // token, host order
        bytes[80] = 2  // subflows_total
        let full = try #require(MPTCPInfo(bytes: bytes))
        #expect(full.extraSubflows == 1 && full.subflowsTotal == 2 && full.subflows == 2)
        #expect(full.token == 0x1234_5678 && full.remoteKeyReceived && !full.isFallback)
        let old = try #require(MPTCPInfo(bytes: Array(bytes.prefix(48))))  // 6.1-sized answer
        #expect(old.subflowsTotal == nil && old.bytesSent == nil && old.subflows == 2)
        #expect(MPTCPInfo(bytes: Array(bytes.prefix(20))) == nil)
    }

    @Test func socketEndpointLiteralsParseAndPrint() throws {
        let v4 = try #require(SocketEndpoint(literal: "198.18.1.2", port: 5201))
        #expect(v4.family == .ipv4 && v4.address.bytes == [198, 18, 1, 2] && v4.description == "198.18.1.2:5201")
        let v6 = try #require(SocketEndpoint(literal: "[2001:db8:1::2]", port: 80))
        #expect(
            v6.family == .ipv6 && v6.address.description == "2001:db8:1::2" && v6.description == "[2001:db8:1::2]:80")
        #expect(SocketEndpoint(literal: "example.org", port: 1) == nil)
    }

    @Test func supportParsesSSOutput() throws {
        let ss = """
            State Recv-Q Send-Q    Local Address:Port  Peer Address:PortProcess
            ESTAB 0      0            198.18.1.1:52562   198.18.1.2:5201
            \t bbr wscale:10,10 bytes_acked:100 tcp-ulp-mptcp flags:Mmec token:0000(id:0)/78501fe3(id:0) seq:1
            ESTAB 0      0      198.18.2.1%cli-b:57229   198.18.1.2:5201
            \t cubic bytes_acked:5 tcp-ulp-mptcp flags:Jjec token:1a2b3c4d(id:0)/78501fe3(id:1) seq:1
            ESTAB 0      0      [2001:db8:1::1]:40000 [2001:db8:1::2]:5201
            \t cubic
            """
        let blocks = KernelProbe.parseSocketBlocks(ss)
        #expect(blocks.count == 3)
        #expect(blocks[1].0.local.device == "cli-b" && blocks[1].0.local.address == "198.18.2.1")
        #expect(blocks[2].0.remote.address == "2001:db8:1::2" && blocks[2].0.remote.port == 5201)
    }
}
