import Foundation
import MPTCPWire
import SubflowCore
import SubflowPolicy
import SubflowSimulation
import SubflowSystem
import Testing

/// The simulated kernel that replay runs against must refuse what Linux refuses, with the
/// same errno and extended-ack text: compared here with replies captured from Linux 6.18
/// (Tests/MPTCPWireTests/Captures/replies.hex).
@Suite struct SimulatedKernelTests {
    static func captured(_ what: String) throws -> KernelError {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MPTCPWireTests/Captures/replies.hex").path
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        guard let index = lines.firstIndex(where: { $0.hasPrefix("# what=\(what) ") }), index + 1 < lines.count else {
            throw TestFailure("no capture \(what)")
        }
        let hex = lines[index + 1].filter(\.isHexDigit)
        let bytes = stride(from: 0, to: hex.count, by: 2).map { i -> UInt8 in
            let start = hex.index(hex.startIndex, offsetBy: i)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
        guard case .failure(_, let error) = try NetlinkReply.decode(try NetlinkMessage(bytes: bytes)) else {
            throw TestFailure("\(what) is not an error reply")
        }
        return error
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String; init(_ d: String) { description = d }
    }

    let token = ConnectionToken(7)
    let local = IPAddress("198.18.2.1")!
    let remote = IPAddress("198.18.1.2")!

    func kernel() -> SimulatedKernel {
        let k = SimulatedKernel(scheduler: ManualScheduler())
        k.connections = [token]
        return k
    }

    func failure(_ result: CommandResult) -> KernelError? {
        if case .failure(let e) = result { return e } else { return nil }
    }

    @Test func refusesAnUnknownTokenAsLinuxDoes() throws {
        let answer = kernel().answer(
            .announce(token: ConnectionToken(99), address: AddressEntry(local, id: AddressID(1), flags: .signal)))
        #expect(failure(answer) == (try Self.captured("v4.announce_bad_token.error")))
    }

    @Test func refusesAnnounceWithIDZeroAsLinuxDoes() throws {
        let answer = kernel().answer(
            .announce(token: token, address: AddressEntry(local, id: AddressID(0), flags: .signal)))
        #expect(failure(answer) == (try Self.captured("v4.announce_id0.error")))
    }

    @Test func refusesAnnounceWithoutTheSignalFlagAsLinuxDoes() throws {
        let answer = kernel().answer(.announce(token: token, address: AddressEntry(local, id: AddressID(1), flags: [])))
        #expect(failure(answer) == (try Self.captured("v4.announce_no_signal.error")))
    }

    @Test func refusesMismatchesLinuxRefuses() {
        let k = kernel()
        let v6 = AddressEntry(IPAddress("2001:db8::2")!, port: 443)
        #expect(
            failure(k.answer(.subflowCreate(token: token, local: AddressEntry(local, id: AddressID(1)), remote: v6)))
                == KernelError(code: .invalidArgument, message: "families mismatch"))
        #expect(
            failure(k.answer(.announce(token: token, address: AddressEntry(local, id: AddressID(3), flags: .signal))))
                == nil)
        #expect(
            failure(
                k.answer(
                    .announce(
                        token: token, address: AddressEntry(IPAddress("198.18.3.1")!, id: AddressID(3), flags: .signal))
                ))
                == KernelError(code: .invalidArgument, message: "did not match address and id"))
        #expect(
            failure(
                k.answer(
                    .subflowDestroy(
                        token: token, local: AddressEntry(local, port: 0), remote: AddressEntry(remote, port: 443))))
                == KernelError(code: .invalidArgument, message: "missing local port"))
        #expect(
            failure(k.answer(.remove(token: token, id: AddressID(9))))
                == KernelError(code: .invalidArgument, message: "address with id 9 not found"))
    }
}
