import Logging
import SubflowConfiguration
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// The optional Prometheus endpoint (`--metrics-listen`): plain HTTP/1.x on TCP, one
/// request per connection, `GET /metrics` (or HEAD) answered with the text exposition
/// format, anything else with 404 or 405. Served on the daemon's loop with the same bounds
/// as the control socket: a request head of at most 8 KiB (refused as soon as more arrive),
/// 5 s from connecting to send all of it (a deadline, not an idle timer, so dripping bytes
/// buys nothing), and a client that does not read its answer is dropped, never waited for.
///
/// No credentials are checked: keep it on loopback unless a firewall protects it (metrics
/// carry no addresses or tokens). So that connections that never finish their request
/// (slowloris) cannot keep scrapes out, one address holds at most `maximumPerAddress` of the
/// `maximumClients` slots, and a new connection that finds no free slot takes the one of
/// the oldest still-unfinished request from the address holding most (503 only when every
/// slot is busy answering).
final class MetricsHTTPServer {
    static let maximumClients = 16
    static let maximumPerAddress = 4
    static let maximumRequestHead = 8_192
    static let requestDeadlineMilliseconds: UInt64 = 5_000

    /// One connection and what admission needs to know about it.
    private final class Client {
        let connection: BufferedConnection
        let address: [UInt8]
        let acceptedAt = MonotonicClock.nowMilliseconds
        var answered = false
        init(connection: BufferedConnection, address: [UInt8]) { self.connection = connection; self.address = address }
    }

    let address: SocketEndpoint
    private let listener: TCPStreamListener
    private let loop: EventLoop
    private let state: ControlState
    private let logger: Logger
    private var acceptWatch: AcceptWatch?
    private var clients: [ObjectIdentifier: Client] = [:]

    init(address: SocketEndpoint, loop: EventLoop, state: ControlState, logger: Logger) throws(SystemError) {
        self.loop = loop
        self.state = state
        self.logger = logger
        listener = try TCPStreamListener.listen(on: address)
        self.address = listener.boundAddress
        acceptWatch = try AcceptWatch(loop: loop, fd: listener.fd, name: "metrics listener \(address)", logger: logger)
        {
            [unowned self] () throws(SystemError) -> Bool in
            guard let (fd, peer) = try self.listener.accept() else { return false }
            self.serve(fd, from: peer?.address.bytes ?? [])
            return true
        }
    }

    func close() {
        acceptWatch?.cancel()
        acceptWatch = nil
        for client in clients.values { client.connection.close(because: "subflowd is stopping") }
        clients = [:]
        listener.close()
    }

    private func serve(_ fd: Descriptor, from address: [UInt8]) {
        let connection: BufferedConnection
        do {
            connection = try BufferedConnection(fd: fd, loop: loop, limits: .init(idleMilliseconds: nil))
        } catch {
            return logger.error("metrics listener: cannot serve a client: \(error)")
        }
        guard makeRoom(for: address) else {
            connection.send(Self.response(503, "Service Unavailable", "too many metrics clients\n"))
            connection.closeWhenFlushed()
            return
        }
        connection.requestDeadline = MonotonicClock.nowMilliseconds + Self.requestDeadlineMilliseconds
        let client = Client(connection: connection, address: address)
        let key = ObjectIdentifier(connection)
        clients[key] = client
        var head: [UInt8] = []
        connection.onClosed = { [unowned self] _ in self.clients[key] = nil }
        connection.onData = { [unowned self, unowned connection] bytes in
            head.append(contentsOf: bytes)
            switch HTTPRequestHead.scan(head, limit: Self.maximumRequestHead) {
            case .incomplete:
                return
            case .tooLarge:
                connection.send(
                    Self.response(
                        431, "Request Header Fields Too Large", "request head over \(Self.maximumRequestHead) bytes\n"))
            case .complete(let request):
                connection.send(self.respond(to: request))
            }
            client.answered = true
            head = []
            connection.closeWhenFlushed()
        }
    }

    /// True when a slot is free for a connection from `address`, after closing the oldest
    /// unfinished request of that address (at its limit) or of the address holding most slots
    /// (all taken). False when every candidate is busy being answered.
    private func makeRoom(for address: [UInt8]) -> Bool {
        var perAddress: [[UInt8]: Int] = [:]
        for client in clients.values { perAddress[client.address, default: 0] += 1 }
        let atAddressLimit = perAddress[address, default: 0] >= Self.maximumPerAddress
        guard atAddressLimit || clients.count >= Self.maximumClients else { return true }
        let victim = clients.values.filter { !$0.answered && (!atAddressLimit || $0.address == address) }
            .min { a, b in
                let (na, nb) = (perAddress[a.address, default: 0], perAddress[b.address, default: 0])
                return na != nb ? na > nb : a.acceptedAt < b.acceptedAt
            }
        guard let victim else { return false }
        victim.connection.close(because: "its slot went to a newer connection before it sent a whole request")
        return true
    }

    private func respond(to request: HTTPRequestHead) -> [UInt8] {
        guard let request = request.parsed else { return Self.response(400, "Bad Request", "malformed request line\n") }
        let path = request.target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.target
        guard path == "/metrics" else { return Self.response(404, "Not Found", "subflowd serves /metrics\n") }
        guard request.method == "GET" || request.method == "HEAD" else {
            return Self.response(405, "Method Not Allowed", "use GET\n", extra: "Allow: GET, HEAD\r\n")
        }
        return Self.response(
            200, "OK", MetricsReport.text(state), contentType: PrometheusExposition.contentType,
            bodyIncluded: request.method == "GET")
    }

    static func response(
        _ code: Int, _ reason: String, _ body: String, contentType: String = "text/plain; charset=utf-8",
        extra: String = "", bodyIncluded: Bool = true
    ) -> [UInt8] {
        let bytes = Array(body.utf8)
        let head =
            "HTTP/1.1 \(code) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\n"
            + "Cache-Control: no-store\r\nConnection: close\r\n\(extra)\r\n"
        return Array(head.utf8) + (bodyIncluded ? bytes : [])
    }
}
