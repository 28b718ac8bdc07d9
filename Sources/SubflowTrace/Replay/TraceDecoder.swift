import MPTCPWire
import SubflowPolicy
import SubflowSystem

/// Turns recorded datagrams back into what the live daemon handled, with the live decoder.
/// It learns the `mptcp_pm` family ID from the recorded nlctrl reply (IDs are assigned by
/// the kernel at run time).
package struct TraceDecoder {
    package enum Item {
        case event(MPTCPEvent)
        case route(RouteNetlinkMessage)
        case command(sequence: UInt32, MPTCPCommand)
        case reply(sequence: UInt32, CommandResult)
        case lostEvents
    }

    private(set) var familyID: UInt16?

    package init() {}

    package mutating func decode(_ record: TraceRecord, number: Int) throws(TraceError) -> [Item] {
        guard record.netlinkProtocol == TraceRecord.route || record.netlinkProtocol == TraceRecord.generic else {
            throw TraceError(
                record: number,
                "netlink protocol \(record.netlinkProtocol) is neither NETLINK_ROUTE (0) nor NETLINK_GENERIC (16)")
        }
        guard !record.bytes.isEmpty else { throw TraceError(record: number, "the record holds no netlink message") }
        let messages: [NetlinkMessage]
        do { messages = try NetlinkDatagram.split(record.bytes) } catch {
            throw TraceError(record: number, "\(error)")
        }
        var items: [Item] = []
        for (position, message) in messages.enumerated() {
            do {
                if let item = try decode(message, record.netlinkProtocol, record.direction) { items.append(item) }
            } catch let error as TraceError {
                throw TraceError(
                    record: number, messages.count > 1 ? "message \(position + 1): \(error.problem)" : error.problem)
            } catch {
                throw TraceError(record: number, messages.count > 1 ? "message \(position + 1): \(error)" : "\(error)")
            }
        }
        return items
    }

    private mutating func decode(
        _ message: NetlinkMessage, _ netlinkProtocol: UInt16,
        _ direction: TraceRecord.Direction
    ) throws -> Item? {
        switch (netlinkProtocol, direction) {
        case (TraceRecord.route, .received):
            switch message.type {
            case NetlinkMessageType.error, NetlinkMessageType.done, NetlinkMessageType.noop: return nil
            case NetlinkMessageType.overrun: return .lostEvents
            default:
                let decoded = try RouteNetlinkMessage.decode(message)
                if case .other(let type) = decoded {
                    throw TraceError(record: nil, "unknown rtnetlink message type \(type)")
                }
                return .route(decoded)
            }
        case (TraceRecord.route, .sent):
            return nil  // the monitor's dump requests
        case (TraceRecord.generic, .received):
            switch message.type {
            case NetlinkMessageType.error, NetlinkMessageType.done:
                switch try NetlinkReply.decode(message) {
                case .ack(let sequence), .done(let sequence): return .reply(sequence: sequence, .success(()))
                case .failure(let sequence, let error): return .reply(sequence: sequence, .failure(error))
                case .data: return nil
                }
            case GenericNetlinkControl.familyID:
                let family = try GenericNetlinkControl.decodeFamily(message)
                if family.name == MPTCPFamily.name { familyID = family.id }
                return nil
            default:
                guard message.sequence == 0 else { return nil }  // GET_ADDR dump data: a reply
                guard familyID == nil || message.type == familyID else {
                    throw TraceError(record: nil, "generic netlink message of unknown family \(message.type)")
                }
                let event = try MPTCPEventDecoder.decode(message, familyID: familyID)
                if case .unknown(let type) = event {
                    throw TraceError(
                        record: nil,
                        "unknown MPTCP event type \(type) (a newer kernel's? this subflowd cannot replay it)")
                }
                familyID = familyID ?? message.type
                return .event(event)
            }
        case (TraceRecord.generic, .sent):
            guard message.type != GenericNetlinkControl.familyID else { return nil }
            return .command(sequence: message.sequence, try MPTCPCommand(decoding: message, familyID: familyID))
        default:
            throw TraceError(
                record: nil, "netlink protocol \(netlinkProtocol) is neither NETLINK_ROUTE (0) nor NETLINK_GENERIC (16)"
            )
        }
    }
}
