import FuzzSupport
import MPTCPWire
import SubflowSystem

/// mptcp_pm commands as traces carry them (`subflowctl trace show`/`replay` decode the ones
/// subflowd sent): decode → describe → encode → decode to the same command.
@main
enum MPTCPCommandFuzz {
    static func main() {
        FuzzDriver.run { bytes in
            for message in FuzzNetlink.messages(bytes) {
                guard let command = try? MPTCPCommand(decoding: message) else { continue }
                _ = command.description
                let again = command.encode(familyID: message.type, sequence: message.sequence)
                let decoded = FuzzNetlink.expectOne(again) { m throws(NetlinkDecodeError) in
                    try MPTCPCommand(decoding: m, familyID: message.type)
                }
                fuzzCheck(decoded == command, "command does not round-trip: \(command) became \(decoded)")
            }
        }
    }
}
