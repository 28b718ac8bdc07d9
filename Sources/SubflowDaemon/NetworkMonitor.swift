import SubflowConfiguration
import Logging
import MPTCPWire
import SubflowSystem

/// Follows the host's interfaces and addresses over rtnetlink: an initial dump (links, then
/// addresses), then live RTM_NEWLINK/DELLINK/NEWADDR/DELADDR notifications.
final class NetworkMonitor {
    private let socket: NetlinkSocket
    private let dumpSocket: NetlinkSocket
    private let logger: Logger
    private var watches: [FileWatch] = []
    /// Dump requests still to send, in order: links first, so addresses find their interface.
    private var dumpQueue: [(UInt32) -> [UInt8]] = []
    private var sequence: UInt32 = 1

    var onMessage: (RouteNetlinkMessage) -> Void = { _ in }
    /// Notifications were lost: a re-dump starts; `onResynchronised` follows when it is complete.
    var onOverrun: () -> Void = {}
    var onResynchronised: () -> Void = {}
    private var resyncing = false
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
        watches.append(try loop.watchReadable(fd: socket.fd) { [unowned self] in self.drain(self.socket, isDump: false) })
        watches.append(try loop.watchReadable(fd: dumpSocket.fd) { [unowned self] in self.drain(self.dumpSocket, isDump: true) })
    }

    /// Starts the initial dump. Notifications that arrive meanwhile are applied as they come:
    /// applying a link or address twice is harmless.
    func start() {
        dumpQueue = [RouteNetlink.encodeLinkDump(sequence:), RouteNetlink.encodeAddressDump(sequence:)]
        requestNextDump()
    }

    private func requestNextDump() {
        guard let next = dumpQueue.first else {
            if resyncing {
                resyncing = false
                return onResynchronised()
            }
            return onSynchronised()
        }
        dumpQueue.removeFirst()
        sequence += 1
        do {
            try dumpSocket.send(next(sequence))
        } catch {
            logger.error("rtnetlink dump request failed: \(error)")
        }
    }

    private func drain(_ source: NetlinkSocket, isDump: Bool) {
        do {
            try source.drain(datagram: { bytes in
                onRawMessage?(bytes)
                handle(bytes, isDump: isDump)
            }, overrun: {
                logger.error("rtnetlink notifications were lost (overrun); re-reading interfaces and addresses")
                onOverrun()
                resyncing = true
                start()
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
                if isDump { requestNextDump() }
            case NetlinkMessageType.error:
                break
            default:
                do { onMessage(try RouteNetlinkMessage.decode(message)) } catch {
                    onMalformed("rtnetlink: \(error)")
                }
            }
        }
    }
}
