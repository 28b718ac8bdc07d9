import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

@testable import SubflowTestSupport

/// The kernel's extended-ack texts that subflowd acts on (Numbers/MPTCPKernelMessages.swift),
/// checked against answers a real 6.18 kernel gave, so a wrong constant cannot pass unnoticed.
@Suite("Kernel messages: the named extended-ack texts match what the kernel sends")
struct KernelMessageTests {
    func failure(_ what: String) throws -> KernelError? {
        let m = try Captures.message("replies.hex", what)
        guard case .failure(_, let error) = try NetlinkReply.decode(message(m.bytes)) else { return nil }
        return error
    }

    @Test("an ANNOUNCE with an unknown token is recognised as 'invalid token', whole or capped")
    func invalidToken() throws {
        for what in ["v4.announce_bad_token.error", "v4.announce_bad_token_capped.error"] {
            let error = try #require(try failure(what), "\(what)")
            #expect(error.isInvalidToken, "\(what): \(error)")
            #expect(!error.isUserspacePathManagerNotSelected, "\(what)")
        }
    }

    @Test("other refusals are not taken for a vanished connection")
    func otherTextsAreNotInvalidToken() throws {
        for what in [
            "v4.announce_id0.error", "v4.announce_no_signal.error", "v4.announce_no_token.error",
            "v4.subflow_destroy_unknown.error",
        ] {
            let error = try #require(try failure(what), "\(what)")
            #expect(!error.isInvalidToken, "\(what): \(error)")
        }
    }

    @Test("the named texts are the kernel's, byte for byte")
    func texts() {
        #expect(KernelError(code: .invalidArgument, message: "invalid token").isInvalidToken)
        #expect(
            KernelError(code: .invalidArgument, message: "userspace PM not selected").isUserspacePathManagerNotSelected)
        #expect(MPTCPKernelMessage.addressAndIDMismatch == "did not match address and id")
    }
}
