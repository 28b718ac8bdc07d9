import MPTCPWire
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// `subflowctl trace show`: one line per netlink message, with time, direction and the
/// decoded fields — like `ip mptcp monitor`, for the daemon's whole conversation.
public struct TracePrinter {
    public enum Format { case text, jsonLines }

    private var familyID: UInt16?
    private let format: Format
    /// Messages printed as "malformed" so far (a record that does not split counts once):
    /// `trace show` exits non-zero when there are any.
    public private(set) var malformedMessages = 0

    public init(format: Format) { self.format = format }

    /// The lines for one record (a datagram may carry several messages).
    public mutating func lines(_ record: TraceRecord, number: Int, start: UInt64) -> [String] {
        let offset = (record.timestampMicroseconds - min(start, record.timestampMicroseconds)) / 1000
        let arrow = record.direction == .received ? "<" : ">"
        let proto =
            record.netlinkProtocol == TraceRecord.route
            ? "route" : record.netlinkProtocol == TraceRecord.generic ? "genl" : "proto\(record.netlinkProtocol)"
        let messages: [NetlinkMessage]
        do { messages = try NetlinkDatagram.split(record.bytes) } catch {
            malformedMessages += 1
            return [render(number, offset, record.direction, proto, "malformed", "\(error)")]
        }
        return messages.map { message in
            let (kind, text) = describe(message, record)
            return render(number, offset, record.direction, proto, kind, text)
        }
        func render(
            _ n: Int, _ ms: UInt64, _ d: TraceRecord.Direction, _ p: String, _ kind: String, _ text: String
        ) -> String {
            switch format {
            case .text:
                return "\(n)\t\(ReplayedCommand.seconds(ms))\t\(arrow) \(p)\t\(text)"
            case .jsonLines:
                return
                    "{\"record\":\(n),\"t\":\(ReplayedCommand.decimal(ms)),\"direction\":\"\(d == .received ? "in" : "out")\","
                    + "\"protocol\":\"\(p)\",\"kind\":\"\(kind)\",\"text\":\(JSONValue.string(text).text)}"
            }
        }
    }

    private mutating func describe(_ message: NetlinkMessage, _ record: TraceRecord) -> (String, String) {
        do {
            switch message.type {
            case NetlinkMessageType.error, NetlinkMessageType.done:
                switch try NetlinkReply.decode(message) {
                case .ack(let s): return ("ack", "ack seq=\(s)")
                case .done(let s): return ("done", "done seq=\(s)")
                case .failure(let s, let e): return ("error", "error seq=\(s) \(e)")
                case .data: return ("data", "\(message)")
                }
            default: break
            }
            if record.netlinkProtocol == TraceRecord.route {
                if record.direction == .sent {
                    return ("dump-request", "dump request type=\(message.type) seq=\(message.sequence)")
                }
                switch try RouteNetlinkMessage.decode(message) {
                case .newLink(let l):
                    return (
                        "link",
                        "[NEWLINK] \(l.name) index=\(l.index) flags=0x\(String(l.flags, radix: 16))"
                            + (l.carrier.map { " carrier=\($0 ? 1 : 0)" } ?? "")
                    )
                case .deleteLink(let l): return ("link", "[DELLINK] \(l.name) index=\(l.index)")
                case .newAddress(let a):
                    return (
                        "address",
                        "[NEWADDR] \(a.address)/\(a.prefixLength) index=\(a.interface) flags=0x\(String(a.flags, radix: 16))"
                    )
                case .deleteAddress(let a):
                    return ("address", "[DELADDR] \(a.address)/\(a.prefixLength) index=\(a.interface)")
                case .other(let t): return ("other", "rtnetlink type \(t)")
                }
            }
            if message.type == GenericNetlinkControl.familyID {
                if record.direction == .sent { return ("nlctrl", "[GETFAMILY] seq=\(message.sequence)") }
                let family = try GenericNetlinkControl.decodeFamily(message)
                if family.name == MPTCPFamily.name { familyID = family.id }
                return (
                    "nlctrl",
                    "[NEWFAMILY] \(family.name) id=\(family.id) groups=\(family.multicastGroups.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","))"
                )
            }
            if record.direction == .sent {
                return ("command", "\(try MPTCPCommand(decoding: message, familyID: familyID)) seq=\(message.sequence)")
            }
            if message.sequence != 0 { return ("data", "reply data seq=\(message.sequence)") }
            return ("event", "\(try MPTCPEventDecoder.decode(message, familyID: familyID))")
        } catch {
            malformedMessages += 1
            return ("malformed", "\(error)")
        }
    }
}
