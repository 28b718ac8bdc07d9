import Logging
import SubflowConfiguration
import SubflowCore
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// The running daemon: wires the kernel link and the network monitor to the PathManager on
/// one ELL event loop, tells systemd how it is doing, and reloads its configuration on SIGHUP.
public final class Daemon {

    private(set) var configuration: Configuration
    let directories: [String]
    let logger: Logger
    /// The level and target of the logging the entry point bootstrapped; a reload changes them.
    let logSettings: LogSettings
    /// Re-reads the configuration for a reload (the same file and command line as at start).
    let reread: () throws(ConfigurationError) -> Configuration

    // What start-up has achieved so far (Startup/), shared by the callbacks of one run.
    var readiness = StartupReadiness()
    /// When the loop was about to start: `ready in … ms` counts from here.
    var readinessStarted: UInt64 = 0
    var recovered: [ConnectionToken] = []
    /// Set by a fatal event (the kernel refused the events group or the mode switch).
    var exitStatus: Int32 = 0
    /// The doctor's checks, started once start-up is over (`markReady`).
    var doctor: DaemonDoctor?

    /// The daemon logs through `logger` and never bootstraps logging itself: the executable
    /// does, with a handler that reads `logSettings` (see `StandardErrorLogHandler`).
    public init(
        configuration: Configuration, directories: [String], logger: Logger, logSettings: LogSettings,
        reread: @escaping () throws(ConfigurationError) -> Configuration
    ) {
        self.configuration = configuration
        self.directories = directories
        self.logger = logger
        self.logSettings = logSettings
        self.reread = reread
    }

    /// Runs until SIGINT/SIGTERM; returns the process exit status. The steps in the order
    /// the daemon needs them (each in Startup/): everything that can refuse the start comes
    /// before the loop runs and before the namespace is changed.
    public func run() -> Int32 {
        let systemd = SystemdNotifier()
        do throws(StartupFailure) {
            let mode = try checkMode(systemd: systemd)
            let kernel = try openKernelLink()
            let manager = try loadPolicies(kernel)
            let control = try startControl(manager, kernel, mode: mode)
            defer { control.close() }
            let recorder = try startRecorder(kernel)
            defer { recorder?.close() }
            routeEvents(kernel, to: manager)
            let doctor = startDoctor(kernel, control)
            self.doctor = doctor
            defer { doctor.stop() }
            recoverWhenReady(kernel, manager, mode: mode, systemd: systemd)
            return serve(kernel, manager, systemd: systemd)
        } catch {
            return error.exitStatus
        }
    }

    static let missingNetAdmin = """
        subflowd needs CAP_NET_ADMIN in its network namespace (for the mptcp_pm commands and its \
        events group), and this process does not have it. Run it as root with the capability \
        (systemd: CapabilityBoundingSet=CAP_NET_ADMIN; without root: AmbientCapabilities=CAP_NET_ADMIN), \
        or check that a container or setpriv did not drop it.
        """

    /// One line for systemd's STATUS= (shown by `systemctl status`).
    func status(_ manager: PathManager) -> String {
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
            loaded = try PolicyLoading.load(
                fresh, directories: fresh.pluginDirectories.isEmpty ? directories : fresh.pluginDirectories)
            try PolicyLoading.validateSettings(loaded, configuration: fresh)
        } catch {
            logger.error("reload refused, keeping the running configuration: \(error)")
            return
        }
        do {
            try manager.replacePolicies(
                loaded.map { ($0.registration, $0.settings, $0.path) },
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
        for (what, old, new) in [
            ("record", configuration.recordPath, fresh.recordPath),
            ("control-socket", configuration.controlSocket, fresh.controlSocket),
            ("metrics-listen", configuration.metricsListen, fresh.metricsListen),
        ] where old != new {
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
