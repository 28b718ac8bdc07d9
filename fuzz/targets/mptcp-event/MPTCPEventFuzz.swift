import FuzzSupport
import MPTCPWire
import SubflowSystem

/// mptcp_pm events as the kernel multicasts them: split → decode → describe, and both
/// encoders round-trip (what decodes, re-encoded, decodes to the same value).
@main
enum MPTCPEventFuzz {
    static func main() {
        FuzzDriver.run { bytes in
            for message in FuzzNetlink.messages(bytes) {
                if let (type, attributes) = try? MPTCPEventDecoder.decodeAttributes(message) {
                    _ = attributes.description(eventType: type)
                    // Unknown attribute types are listed, not kept: the encoder cannot write them back.
                    var known = attributes
                    known.unknownTypes = []
                    let again = attributes.encode(eventType: type, familyID: message.type)
                    let decoded = FuzzNetlink.expectOne(again) { m throws(NetlinkDecodeError) in
                        try MPTCPEventDecoder.decodeAttributes(m)
                    }
                    fuzzCheck(
                        decoded.type == type && decoded.attributes == known,
                        "attributes do not round-trip: \(attributes.description(eventType: type)) became \(decoded.attributes.description(eventType: decoded.type))"
                    )
                }
                if let event = try? MPTCPEventDecoder.decode(message) {
                    _ = event.description
                    let decoded = FuzzNetlink.expectOne(event.encode(familyID: message.type)) {
                        m throws(NetlinkDecodeError) in
                        try MPTCPEventDecoder.decode(m, familyID: message.type)
                    }
                    fuzzCheck(decoded == event, "event does not round-trip: \(event) became \(decoded)")
                }
            }
        }
    }
}
