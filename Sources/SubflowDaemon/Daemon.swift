import Glibc
import Logging
import MPTCPWire
import SubflowConfiguration
import SubflowCore
import SubflowFormats
import SubflowPolicy
import SubflowSystem
import SubflowTrace

/// The running daemon: wires the kernel link and the network monitor to the PathManager on
/// one ELL event loop, tells systemd how it is doing, and reloads its configuration on SIGHUP.
public final class Daemon {
    /// sysexits(3) (`ExitStatus`): configuration errors (bad mode, bad file, bad policy),
    /// unavailable services, and EX_NOPERM when subflowd lacks CAP_NET_ADMIN (or the kernel
    /// refused it the events group).
    public static let exitConfigurationError = ExitStatus.configurationError
    public static let exitUnavailable = ExitStatus.unavailable
    public static let exitPermission = ExitStatus.permissionDenied

    private(set) var configuration: Configuration
    let directories: [String]
    let logger: Logger
    let logSettings: LogSettings
    /// Re-reads the configuration for a reload (the same file and command line as at start).
    let reread: () throws(ConfigurationError) -> Configuration

    public init(configuration: Configuration, directories: [String],
                reread: @escaping () throws(ConfigurationError) -> Configuration) {
        self.configuration = configuration
        self.directories = directories
        self.reread = reread
        let settings = LogSettings(level: configuration.logLevel, target: configuration.logTarget)
        self.logSettings = settings
        LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, settings: settings) }
        self.logger = Logger(label: "subflowd")
    }

    /// Runs until SIGINT/SIGTERM; returns the process exit status.
    public func run() -> Int32 {
        let systemd = SystemdNotifier()
        let refuse = { [logger] (message: String, status: Int32) -> Int32 in
            logger.critical("refusing to start: \(message)")
            systemd.notify(["STATUS=refusing to start: \(message)"])
            return status
        }
        if let capabilities = ProcessCapabilities.current(), !capabilities.has(.netAdmin) {
            return refuse(Daemon.missingNetAdmin, Daemon.exitPermission)
        }
        // Only read here: the namespace is switched (with --set-path-manager) once the kernel
        // link is up, so a daemon that exits before that leaves the namespace as it was.
        let modeCheck = KernelModeCheck()
        let plan: KernelModeCheck.Plan
        do { plan = try modeCheck.plan(setMode: configuration.setPathManager) } catch {
            return refuse("\(error)", Daemon.exitConfigurationError)
        }
        let mode = plan.mode
        logger.info("subflowd \(ProductVersion.current) (policy API \(PolicyABI.version)): \(mode)")

        let loop: EventLoop
        let link: KernelLink
        let monitor: NetworkMonitor
        do {
            loop = try EventLoop()
            link = try KernelLink(loop: loop, logger: logger, eventsReceiveBuffer: configuration.eventsReceiveBufferBytes)
            monitor = try NetworkMonitor(loop: loop, logger: logger)
        } catch {
            logger.critical("cannot open the kernel interfaces: \(error) (subflowd needs root or CAP_NET_ADMIN)")
            return Daemon.exitUnavailable
        }
        let manager = PathManager(kernel: SignalDropCheck(link, logger: logger), scheduler: LoopScheduler(loop: loop),
                                  logger: logger, filter: configuration.filter)
        manager.listeners.backend = ListenerSockets(loop: loop, logger: logger)
        do {
            let loaded = try PolicyLoading.load(configuration, directories: directories)
            try PolicyLoading.install(loaded, into: manager, configuration: configuration)
        } catch {
            logger.critical("\(error)")
            return Daemon.exitConfigurationError
        }
        manager.selection = PolicySelection(rules: configuration.rules.map(\.rule))

        // Control socket (subflowctl status|connections|monitor|metrics) and the optional
        // Prometheus listener, fed by manager.observer (Control/ControlPlane.swift). Only a
        // configuration mistake stops the daemon here; an unavailable socket is logged.
        let control: ControlPlane
        do {
            control = try ControlPlane(configuration: configuration, manager: manager, loop: loop,
                                       pathManagerMode: mode.pathManager, logger: logger)
        } catch {
            logger.critical("\(error)")
            return Daemon.exitConfigurationError
        }
        defer { control.close() }

        var recorder: TraceRecorder?
        if let path = configuration.recordPath {
            do {
                recorder = try TraceRecorder(path: path, maxBytes: configuration.recordMaxBytes, keep: configuration.recordKeep)
                logger.info("recording the kernel conversation to \(excerpt: path)")
            } catch {
                logger.critical("cannot record to \(excerpt: path): \(error)")
                return Daemon.exitConfigurationError
            }
            var reported = false
            let record = { [logger] (direction: TraceRecord.Direction, netlinkProtocol: UInt16, bytes: [UInt8]) in
                guard let recorder, !recorder.record(direction, protocol: netlinkProtocol, bytes), !reported else { return }
                reported = true
                logger.error("recording stopped: \(recorder.failure.map { "\($0)" } ?? "write failed"); subflowd goes on without it")
            }
            link.onRawMessage = { direction, bytes in record(direction == .sent ? .sent : .received, TraceRecord.generic, bytes) }
            monitor.onRawMessage = { bytes in record(.received, TraceRecord.route, bytes) }
        }
        defer { recorder?.close() }

        link.onEvent = { manager.handle($0) }
        // Lost events: resync from the kernel once the events socket is drained (docs/recovery.md).
        let resync = EventResynchroniser(manager: manager, logger: logger) { [unowned link] known in
            LiveKernelSnapshot(familyID: link.familyID ?? 0, knownTokens: known)
        }
        link.onOverrun = { manager.eventsOverrun() }
        link.onEventsLost = { resync.resynchronise() }
        link.onRepliesLost = { manager.kernelAnswersLost($0, overrun: true) }
        link.onUnanswered = { manager.kernelAnswersLost($0, overrun: false) }
        var recovered: [ConnectionToken] = []
        link.onMalformed = { manager.malformed($0) }
        monitor.onMessage = { manager.handle($0) }
        monitor.onMalformed = { manager.malformed($0) }
        monitor.onOverrun = { manager.beginNetworkResync() }
        monitor.onResynchronised = { manager.endNetworkResync() }
        var pieces = 0
        let started = MonotonicClock.nowMilliseconds
        let ready = { [logger, unowned self] in
            pieces += 1
            guard pieces == 2 else { return }
            // The network picture is complete only now: subflows recovered on addresses gone meanwhile.
            manager.retireUnusableSubflows(of: recovered)
            manager.startLivenessChecks(intervalMilliseconds: UInt64(self.configuration.livenessIntervalSeconds) * 1000)
            logger.notice("ready in \(MonotonicClock.nowMilliseconds - started) ms: policy \(manager.policyNames.joined(separator: ", ")), \(manager.network.usable.count) usable local addresses")
            systemd.notify(["READY=1", "STATUS=\(self.status(manager))"])
        }
        link.onReady = { _ in ready() }
        monitor.onSynchronised = ready

        // ---- State recovery (SubflowCore/Recovery, docs/recovery.md) ----
        // The kernel has no command that lists connections. As soon as the events group is
        // joined (KernelLink calls onReady right after the join, before any queued event is
        // read), rebuild the connections that already exist — subflowd restarted, or crashed —
        // from the kernel's socket diagnostics and hand each one to its policy. Events raised
        // meanwhile are read afterwards and only update the adopted state; none is missed.
        let linkReadyBeforeRecovery = link.onReady
        link.onReady = { [logger] family in
            recovered = StartupRecovery(manager: manager, logger: logger).run(from: LiveKernelSnapshot(familyID: family.id)).adopted
            linkReadyBeforeRecovery(family)
        }
        // ---- end of state recovery ----
        // The events group is joined: subflowd will serve the namespace, so switch it now.
        var exitStatus: Int32 = 0
        let linkReadyBeforeMode = link.onReady
        link.onReady = { [logger] family in
            do { try modeCheck.apply(plan) } catch {
                logger.critical("\(error)")
                exitStatus = Daemon.exitPermission
                return loop.stop()
            }
            if !plan.writes.isEmpty {
                logger.notice("set \(plan.writes.map { "\($0.name)=\($0.value)" }.joined(separator: ", "))")
            }
            linkReadyBeforeMode(family)
        }
        link.onFatal = { [logger] message in
            logger.critical("\(message)")
            systemd.notify(["STATUS=stopped: \(message)"])
            exitStatus = Daemon.exitPermission
            loop.stop()
        }
        // WATCHDOG=1 only while the kernel answers the link probe and the sockets are watched.
        let watchdog = systemd.watchdogIntervalMilliseconds.map { interval in
            LinkWatchdog(scheduler: LoopScheduler(loop: loop), logger: logger, intervalMilliseconds: interval,
                         probe: { link.probe(answered: $0) }, isWatched: { link.isWatched },
                         feed: { systemd.notify(["WATCHDOG=1", "STATUS=\(self.status(manager))"]) })
        }
        watchdog?.start()
        defer { watchdog?.stop() }
        do {
            try loop.onSignal(SIGHUP) { [unowned self] in
                systemd.notify(["RELOADING=1", "MONOTONIC_USEC=\(MonotonicClock.nowMicroseconds)"])
                self.reload(manager)
                systemd.notify(["READY=1", "STATUS=\(self.status(manager))"])
            }
        } catch {
            logger.warning("SIGHUP will not reload the configuration: \(error)")
        }
        monitor.start()
        link.start()

        loop.run { [logger] signal in
            logger.notice("signal \(signal): stopping")
            systemd.notify(["STOPPING=1"])
            loop.stop()
        }
        manager.stop()
        manager.listeners.closeAll()
        let c = manager.counters
        logger.info("stopped: \(c.events.values.reduce(0, +)) events, \(c.commandsSent) commands (\(c.commandsFailed) failed)")
        return exitStatus
    }

    static let missingNetAdmin = """
        subflowd needs CAP_NET_ADMIN in its network namespace (for the mptcp_pm commands and its \
        events group), and this process does not have it. Run it as root with the capability \
        (systemd: CapabilityBoundingSet=CAP_NET_ADMIN; without root: AmbientCapabilities=CAP_NET_ADMIN), \
        or check that a container or setpriv did not drop it.
        """

    /// One line for systemd's STATUS= (shown by `systemctl status`).
    private func status(_ manager: PathManager) -> String {
        "\(manager.connections.count) connection(s), policies \(manager.policyNames.joined(separator: ", ")), "
            + "\(manager.counters.commandsSent) command(s) sent"
    }

    /// SIGHUP: read the configuration again and apply it without dropping connection state.
    /// A configuration that does not validate leaves the running one in place.
    func reload(_ manager: PathManager) {
        logger.notice("SIGHUP: reloading the configuration")
        let fresh: Configuration
        let loaded: [PolicyLoading.Loaded]
        do {
            fresh = try reread()
            loaded = try PolicyLoading.load(fresh, directories: fresh.pluginDirectories.isEmpty ? directories : fresh.pluginDirectories)
            try PolicyLoading.validateSettings(loaded, configuration: fresh)
        } catch {
            logger.error("reload refused, keeping the running configuration: \(error)")
            return
        }
        do {
            try manager.replacePolicies(loaded.map { ($0.registration, $0.settings, $0.path) },
                                        selection: PolicySelection(rules: fresh.rules.map(\.rule)))
        } catch {
            logger.error("reload refused, keeping the running configuration: \(error)")
            return
        }
        manager.setFilter(fresh.filter)
        logSettings.level = fresh.logLevel
        logSettings.target = fresh.logTarget
        if fresh.livenessIntervalSeconds != configuration.livenessIntervalSeconds {
            manager.startLivenessChecks(intervalMilliseconds: UInt64(fresh.livenessIntervalSeconds) * 1000)
        }
        for (what, old, new) in [("record", configuration.recordPath, fresh.recordPath),
                                 ("control-socket", configuration.controlSocket, fresh.controlSocket),
                                 ("metrics-listen", configuration.metricsListen, fresh.metricsListen)] where old != new {
            logger.notice("\(what) changed: it takes effect when subflowd restarts")
        }
        if fresh.eventsReceiveBufferBytes != configuration.eventsReceiveBufferBytes {
            logger.notice("events-receive-buffer changed: it takes effect when subflowd restarts")
        }
        if fresh.setPathManager != configuration.setPathManager {
            logger.notice("set-path-manager changed: it takes effect when subflowd restarts")
        }
        configuration = fresh
        logger.notice("configuration reloaded")
    }
}
