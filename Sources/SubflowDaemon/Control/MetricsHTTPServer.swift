import Logging
import SubflowSystem

/// The optional Prometheus endpoint (`--metrics-listen`): plain HTTP/1.x on TCP, one
/// request per connection, `GET /metrics` (or HEAD) answered with the text exposition
/// format, anything else with 404 or 405. Served on the daemon's loop with the same bounds
/// as the control socket: a request head of at most 8 KiB, 10 s to send it, and a client
/// that does not read its answer is dropped, never waited for. No credentials are checked:
/// keep it on loopback unless a firewall protects it (metrics carry no addresses or tokens).
final class MetricsHTTPServer {
    static let maximumClients = 16
    static let maximumRequestHead = 8_192

    let address: InetAddress
    private let listener: TCPStreamListener
    private let loop: EventLoop
    private let state: ControlState
    private let logger: Logger
    private var acceptWatch: AcceptWatch?
    private var clients: [ObjectIdentifier: BufferedConnection] = [:]

    init(address: InetAddress, loop: EventLoop, state: ControlState, logger: Logger) throws(SystemError) {
        self.loop = loop
        self.state = state
        self.logger = logger
        listener = try TCPStreamListener.listen(on: address)
        self.address = listener.boundAddress
        acceptWatch = try AcceptWatch(loop: loop, fd: listener.fd, name: "metrics listener \(address)", logger: logger) {
            [unowned self] () throws(SystemError) -> Bool in
            guard let (fd, _) = try self.listener.accept() else { return false }
            self.serve(fd)
            return true
        }
    }

    func close() {
        acceptWatch?.cancel()
        acceptWatch = nil
        for client in clients.values { client.close(because: "subflowd is stopping") }
        clients = [:]
        listener.close()
    }

    private func serve(_ fd: Int32) {
        let connection: BufferedConnection
        do {
            connection = try BufferedConnection(fd: fd, loop: loop, limits: .init(idleMilliseconds: 10_000))
        } catch {
            return logger.error("metrics listener: cannot serve a client: \(error)")
        }
        guard clients.count < Self.maximumClients else {
            connection.send(Self.response(503, "Service Unavailable", "too many metrics clients\n"))
            connection.closeWhenFlushed()
            return
        }
        let key = ObjectIdentifier(connection)
        clients[key] = connection
        var head: [UInt8] = []
        connection.onClosed = { [unowned self] _ in self.clients[key] = nil }
        connection.onData = { [unowned self, unowned connection] bytes in
            head.append(contentsOf: bytes)
            if let request = HTTPRequestHead(head) {
                connection.send(self.respond(to: request))
                connection.closeWhenFlushed()
            } else if head.count > Self.maximumRequestHead {
                connection.send(Self.response(431, "Request Header Fields Too Large", "request head over \(Self.maximumRequestHead) bytes\n"))
                connection.closeWhenFlushed()
            }
        }
    }

    private func respond(to request: HTTPRequestHead) -> [UInt8] {
        guard let request = request.parsed else { return Self.response(400, "Bad Request", "malformed request line\n") }
        let path = request.target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.target
        guard path == "/metrics" else { return Self.response(404, "Not Found", "subflowd serves /metrics\n") }
        guard request.method == "GET" || request.method == "HEAD" else {
            return Self.response(405, "Method Not Allowed", "use GET\n", extra: "Allow: GET, HEAD\r\n")
        }
        return Self.response(200, "OK", MetricsReport.text(state), contentType: PrometheusExposition.contentType,
                             bodyIncluded: request.method == "GET")
    }

    static func response(_ code: Int, _ reason: String, _ body: String, contentType: String = "text/plain; charset=utf-8",
                         extra: String = "", bodyIncluded: Bool = true) -> [UInt8] {
        let bytes = Array(body.utf8)
        let head = "HTTP/1.1 \(code) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\n"
            + "Cache-Control: no-store\r\nConnection: close\r\n\(extra)\r\n"
        return Array(head.utf8) + (bodyIncluded ? bytes : [])
    }
}

/// The head of an HTTP/1.x request once it is complete (up to the empty line); only the
/// request line is used.
package struct HTTPRequestHead {
    package let requestLine: String

    /// Nil until `bytes` hold a complete head (CRLF CRLF, or LF LF from lax clients).
    package init?(_ bytes: [UInt8]) {
        guard let end = Self.endOfHead(bytes) else { return nil }
        let head = bytes[..<end]
        let line = head.split(separator: 0x0A, maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        requestLine = String(decoding: line.filter { $0 != 0x0D }, as: UTF8.self)
    }

    /// Method, target and version from `GET /metrics HTTP/1.1`.
    package var parsed: (method: String, target: String)? {
        let words = requestLine.split(separator: " ")
        guard words.count == 3, words[2].hasPrefix("HTTP/1."), words[1].hasPrefix("/") else { return nil }
        return (String(words[0]), String(words[1]))
    }

    private static func endOfHead(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { return index }
                if index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A { return index }
            }
            index += 1
        }
        return nil
    }
}
