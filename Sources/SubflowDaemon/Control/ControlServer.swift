import Logging
import SubflowConfiguration
import SubflowCore
import SubflowSystem

/// The control socket: a UNIX stream socket (mode 0600, or 0660 with a control group)
/// served on the daemon's loop. Each connection's credentials are checked when it is
/// accepted (`ControlAccess`); then every request line gets one answer line, and a
/// `monitor` request turns the connection into a feed of what the PathManager handles.
/// Nothing a client does — not reading, sending garbage, sending too much — can block the
/// loop: see `BufferedConnection` and `ControlClient` for the bounds.
final class ControlServer {
    static let maximumClients = 32
    /// Slots only root may take, so that clients of the control group (or the daemon's
    /// user) cannot lock root's `subflowctl` out by holding every connection open.
    static let reservedForRoot = 2

    let path: String
    private let listener: UnixStreamListener
    private let access: ControlAccess
    private let loop: EventLoop
    private let state: ControlState
    private let logger: Logger
    private var acceptWatch: AcceptWatch?
    private var clients: [Int: ControlClient] = [:]
    private var nextID = 1

    init(
        path: String, settings: ControlSettings, loop: EventLoop, state: ControlState, logger: Logger
    ) throws(SystemError) {
        self.path = path
        self.loop = loop
        self.state = state
        self.logger = logger
        access = ControlAccess(group: settings.group)
        listener = try UnixStreamListener.bind(path: path, mode: settings.socketMode, group: settings.group?.id)
        warnIfOthersCanReplace(path)
        acceptWatch = try AcceptWatch(loop: loop, fd: listener.fd, name: "control socket \(path)", logger: logger) {
            [unowned self] () throws(SystemError) -> Bool in
            guard let (fd, peer) = try self.listener.accept() else { return false }
            self.admit(fd: fd, peer: peer)
            return true
        }
    }

    /// Sends one observation to every monitor; the line is built only if someone listens.
    func publish(_ observation: PathManager.Observation) {
        guard state.monitors > 0 else { return }
        let wall = WallClock.nowMicroseconds / 1000
        let line = Array(
            (MonitorMessage.json(observation, manager: state.manager, wallMilliseconds: wall).text + "\n").utf8)
        for client in clients.values.sorted(by: { $0.id < $1.id }) where client.isMonitor {
            let pending = client.connection.pendingBytes
            let kept = client.stream(line) {
                MonitorMessage.dropped(
                    pendingBytes: pending, limit: ControlClient.monitorBacklog, wallMilliseconds: wall)
            }
            if !kept {
                state.monitorsDropped += 1
                logger.warning(
                    "control socket: dropped monitor of \(client.peer): it fell behind (\(pending) bytes unread)")
            }
        }
    }

    /// Disconnects every client, stops listening and removes the socket file.
    func close() {
        acceptWatch?.cancel()
        acceptWatch = nil
        for client in clients.values { client.connection.close(because: "subflowd is stopping") }
        clients = [:]
        listener.close()
    }

    /// A directory others may write (without the sticky bit) lets them replace the socket
    /// file with their own, where subflowctl would talk to them: say so.
    private func warnIfOthersCanReplace(_ path: String) {
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        guard let status = try? FileStatus(path: parent.isEmpty ? "/" : parent) else { return }
        if status.mode & 0o022 != 0 && status.mode & 0o1000 == 0 {
            logger.warning("control socket \(path): its directory is writable by others, who could replace the socket")
        }
    }

    // MARK: clients

    private func admit(fd: Descriptor, peer: PeerCredentials) {
        let connection: BufferedConnection
        do { connection = try BufferedConnection(fd: fd, loop: loop) } catch {
            return logger.error("control socket: cannot serve a client (\(peer)): \(error)")
        }
        var refusal: (code: String, message: String)?
        if let denied = access.refusal(for: peer) {
            refusal = ("permission_denied", denied)
        } else if clients.count >= Self.maximumClients - (peer.uid == 0 ? 0 : Self.reservedForRoot) {
            refusal = ("busy", "too many control clients (\(clients.count) connected); try again later")
        }
        if let refusal {
            state.clientsRefused += 1
            logger.warning("control socket: refused \(peer): \(refusal.message)")
            connection.send(Array((ControlRequests.failure(refusal.message, code: refusal.code).text + "\n").utf8))
            connection.closeWhenFlushed()
            return
        }
        let client = ControlClient(id: nextID, peer: peer, connection: connection)
        nextID += 1
        clients[client.id] = client
        state.clients = clients.count
        logger.debug("control socket: client \(client.id) connected (\(peer))")
        client.onRequest = { [unowned self] client, line in self.handle(line, from: client) }
        client.onClosed = { [unowned self] client, reason in self.forget(client, reason: reason) }
    }

    private func handle(_ line: [UInt8], from client: ControlClient) {
        switch ControlRequests.reply(to: line, state: state) {
        case .answer(let answer):
            client.answer(answer)
        case .startMonitor(let answer):
            client.answer(answer)
            client.startMonitoring()
            state.monitors += 1
        }
    }

    private func forget(_ client: ControlClient, reason: String) {
        guard clients.removeValue(forKey: client.id) != nil else { return }
        if client.isMonitor { state.monitors -= 1 }
        state.clients = clients.count
        logger.debug("control socket: client \(client.id) gone: \(reason)")
    }
}
