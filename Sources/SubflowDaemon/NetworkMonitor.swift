import Logging
import MPTCPWire
import SubflowConfiguration
import SubflowSystem

/// Follows the host's interfaces and addresses over rtnetlink: an initial dump (links, then
/// addresses), then live RTM_NEWLINK/DELLINK/NEWADDR/DELADDR notifications.
final class NetworkMonitor {
    private let socket: NetlinkSocket
    private let dumpSocket: NetlinkSocket
    private let logger: Logger
    private var watches: [FileWatch] = []
    /// Which dump to send when, and when the picture is whole.
    private var dumps = RouteDumpSequence()
    private var sequence: UInt32 = 1

    var onMessage: (RouteNetlinkMessage) -> Void = { _ in }
    /// Notifications were lost: a re-dump starts; `onResynchronised` follows when it is complete.
    var onOverrun: () -> Void = {}
    var onResynchronised: () -> Void = {}
    var onMalformed: (String) -> Void = { _ in }
    /// The initial dump is complete: the monitor's picture of the host is whole.
    var onSynchronised: () -> Void = {}
    var onRawMessage: (([UInt8]) -> Void)?

    init(loop: EventLoop, logger: Logger) throws(SystemError) {
        self.logger = logger
        socket = try NetlinkSocket(protocol: 0, receiveBufferBytes: 1 << 20)
        dumpSocket = try NetlinkSocket(protocol: 0, receiveBufferBytes: 1 << 20)
        for group in [RouteNetlink.Group.link, RouteNetlink.Group.ipv4Address, RouteNetlink.Group.ipv6Address] {
            try socket.join(group: group)
        }
        watches.append(
            try loop.watchReadable(fd: socket.fd) { [unowned self] in self.drain(self.socket, isDump: false) })
        watches.append(
            try loop.watchReadable(fd: dumpSocket.fd) { [unowned self] in self.drain(self.dumpSocket, isDump: true) })
    }

    /// Starts the initial dump. Notifications that arrive meanwhile are applied as they come:
    /// applying a link or address twice is harmless.
    func start() {
        perform(dumps.start())
    }

    private func perform(_ actions: [RouteDumpSequence.Action]) {
        for action in actions {
            switch action {
            case .request(let dump):
                sequence += 1
                let request =
                    dump == .links
                    ? RouteNetlink.encodeLinkDump(sequence: sequence)
                    : RouteNetlink.encodeAddressDump(sequence: sequence)
                do {
                    try dumpSocket.send(request)
                } catch {
                    // No answer will come: go on with the next dump rather than wait for ever.
                    logger.error("rtnetlink dump request failed: \(error)")
                    perform(dumps.dumpEnded())
                }
            case .resynchronised: onResynchronised()
            case .synchronised: onSynchronised()
            }
        }
    }

    private func drain(_ source: NetlinkSocket, isDump: Bool) {
        do {
            try source.drain(
                datagram: { bytes in
                    onRawMessage?(bytes)
                    handle(bytes, isDump: isDump)
                },
                overrun: {
                    logger.error("rtnetlink notifications were lost (overrun); re-reading interfaces and addresses")
                    onOverrun()
                    perform(dumps.notificationsLost())
                })
        } catch {
            logger.error("reading rtnetlink failed: \(error)")
        }
    }

    private func handle(_ bytes: [UInt8], isDump: Bool) {
        let messages: [NetlinkMessage]
        do { messages = try NetlinkDatagram.split(bytes) } catch {
            return onMalformed("rtnetlink datagram: \(error)")
        }
        for message in messages {
            switch message.type {
            case NetlinkMessageType.done:
                if isDump { perform(dumps.dumpEnded()) }
            case NetlinkMessageType.error:
                // On the dump socket an error ends the dump instead of NLMSG_DONE (no acks are
                // asked for, so it is never a success).
                if isDump {
                    let reason = (try? NetlinkReply.decode(message)).map { "\($0)" } ?? "unreadable error message"
                    logger.error("rtnetlink dump failed: \(reason)")
                    perform(dumps.dumpEnded())
                }
            default:
                do { onMessage(try RouteNetlinkMessage.decode(message)) } catch {
                    onMalformed("rtnetlink: \(error)")
                }
            }
        }
    }
}
