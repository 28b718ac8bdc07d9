import BackupOnLossPolicy
import FullMeshPolicy
import Logging
import MPTCPWire
import SignalPerInterfacePolicy
import SubflowCore
import SubflowPolicy
import SubflowSimulation

/// A PathManager wired to a simulated kernel and a manual clock: policies run exactly as in
/// the daemon, without sockets or root.
final class Harness {
    let scheduler = ManualScheduler()
    let kernel: SimulatedKernel
    let manager: PathManager

    init(fullmesh settings: [String: String] = [:], filter: AddressFilter = AddressFilter()) throws {
        kernel = SimulatedKernel(scheduler: scheduler)
        var logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        manager = PathManager(kernel: kernel, scheduler: scheduler, logger: logger, filter: filter)
        try manager.load(
            PolicyRegistration(name: "fullmesh", summary: "test") { context, settings in
                try FullMesh(context: context, settings: FullMesh.Settings(settings))
            }, settings: PolicySettings(settings), origin: "test")
    }

    /// The same, with the backup-on-loss policy and its settings (and a logger of the test's
    /// choice, to read the policy's log lines).
    init(backupOnLoss settings: [String: String], filter: AddressFilter = AddressFilter(), logger: Logger? = nil) throws
    {
        kernel = SimulatedKernel(scheduler: scheduler)
        let logger =
            logger
            ?? {
                var quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
                quiet.logLevel = .critical
                return quiet
            }()
        manager = PathManager(kernel: kernel, scheduler: scheduler, logger: logger, filter: filter)
        try manager.load(BackupOnLoss.registration, settings: PolicySettings(settings), origin: "test")
    }

    // MARK: Network

    func link(_ index: Int32, _ name: String, up: Bool = true) {
        let flags: UInt32 = up ? 0x1 | 0x40 | 0x10000 : 0
        manager.handle(.newLink(LinkMessage(index: InterfaceIndex(index), name: name, flags: flags, carrier: up)))
        scheduler.runDue()
    }

    func address(_ text: String, on index: Int32, prefix: UInt8 = 24, flags: UInt32 = 0) {
        manager.handle(
            .newAddress(
                AddressMessage(
                    interface: InterfaceIndex(index), address: IPAddress(text)!,
                    prefixLength: prefix, flags: flags)))
        scheduler.runDue()
    }

    func removeAddress(_ text: String, on index: Int32, prefix: UInt8 = 24) {
        manager.handle(
            .deleteAddress(
                AddressMessage(
                    interface: InterfaceIndex(index), address: IPAddress(text)!,
                    prefixLength: prefix)))
        scheduler.runDue()
    }

    /// Two interfaces with one IPv4 and one IPv6 address each.
    func twoInterfaces() {
        link(2, "eth0"); link(3, "wlan0")
        address("198.18.1.1", on: 2); address("198.18.2.1", on: 3)
        address("2001:db8:1::1", on: 2, prefix: 64); address("2001:db8:2::1", on: 3, prefix: 64)
    }

    // MARK: Kernel events

    func connection(
        _ token: UInt32, from local: String, _ localPort: UInt16 = 40000, to remote: String,
        _ remotePort: UInt16 = 443, server: Bool = false, denyJoin: Bool = false
    ) -> ConnectionEventInfo {
        ConnectionEventInfo(
            token: ConnectionToken(token),
            local: SocketEndpoint(IPAddress(local)!, port: localPort),
            remote: SocketEndpoint(IPAddress(remote)!, port: remotePort),
            localID: .initial, remoteID: .initial, serverSide: server,
            denyJoinInitialEndpoint: denyJoin)
    }

    /// CREATED then ESTABLISHED, as the kernel sends them; the token becomes valid.
    func establish(_ info: ConnectionEventInfo) {
        kernel.connections.insert(info.token)
        manager.handle(.created(info))
        manager.handle(.established(info))
        scheduler.runDue()
    }

    func event(_ event: MPTCPEvent) {
        manager.handle(event)
        scheduler.runDue()
    }

    func subflow(
        _ token: UInt32, _ local: String, _ localPort: UInt16, _ remote: String, _ remotePort: UInt16,
        localID: UInt8 = 1, remoteID: UInt8 = 0, error: UInt8? = nil
    ) -> SubflowEventInfo {
        SubflowEventInfo(
            token: ConnectionToken(token), local: SocketEndpoint(IPAddress(local)!, port: localPort),
            remote: SocketEndpoint(IPAddress(remote)!, port: remotePort),
            localID: AddressID(localID), remoteID: AddressID(remoteID), backup: false, error: error)
    }

    /// The same, with the signal-per-interface policy and its settings, and a simulated
    /// `ListenerBackend` so the listeners the core opens for announcements can be checked.
    init(
        signalPerInterface settings: [String: String], listeners: SimulatedListeners = SimulatedListeners(),
        filter: AddressFilter = AddressFilter(), logger: Logger? = nil
    ) throws {
        kernel = SimulatedKernel(scheduler: scheduler)
        var quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        quiet.logLevel = .critical
        manager = PathManager(kernel: kernel, scheduler: scheduler, logger: logger ?? quiet, filter: filter)
        manager.listeners.backend = listeners
        try manager.load(
            PolicyRegistration(name: "signal-per-interface", summary: "test") { context, settings in
                try SignalPerInterface(context: context, settings: SignalPerInterface.Settings(settings))
            }, settings: PolicySettings(settings), origin: "test")
    }

    // MARK: What was sent

    /// SUBFLOW_CREATE commands as "local>remote:port" strings, in order.
    var creates: [String] {
        kernel.commands.compactMap {
            guard case .subflowCreate(_, let l, let r) = $0, let la = l.address, let ra = r.address else { return nil }
            return "\(la)>\(SocketEndpoint(ra, port: r.port))"
        }
    }

    var destroys: [String] {
        kernel.commands.compactMap {
            guard case .subflowDestroy(_, let l, let r) = $0, let la = l.address, let ra = r.address else { return nil }
            return "\(SocketEndpoint(la, port: l.port))>\(SocketEndpoint(ra, port: r.port))"
        }
    }

    /// Reports every pending join as established (as the kernel would after the handshake).
    func completeJoins(token: UInt32, startingPort: UInt16 = 50000) {
        var port = startingPort
        for case .subflowCreate(let t, let l, let r) in kernel.commands where t.rawValue == token {
            guard let la = l.address, let ra = r.address else { continue }
            if manager.connections[t]?.subflows.contains(where: { $0.local.address == la && $0.remote.address == ra })
                == true
            {
                continue
            }
            event(
                .subflowEstablished(
                    subflow(token, la.description, port, ra.description, r.port, localID: l.id?.rawValue ?? 0)))
            port += 1
        }
    }
}
