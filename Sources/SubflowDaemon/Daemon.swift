import Logging
import MPTCPWire
import SubflowCore
import SubflowPolicy
import SubflowSystem
import SubflowTrace

/// The running daemon: wires the kernel link and the network monitor to the PathManager on
/// one ELL event loop.
public final class Daemon {
    public struct Options {
        /// Policies to load, in order; the first is the default.
        public var policies: [String]
        public var rules: [PolicyRule]
        public var pluginDirectories: [String]
        public var logLevel: Logger.Level
        public var setPathManager: Bool
        /// Settings per policy name.
        public var settings: [String: PolicySettings]
        public var livenessIntervalMilliseconds: UInt64
        public var recording: Recording?
    }

    public struct Recording {
        public var path: String
        public var maxBytes: Int?
        public var keep: Int
    }

    /// sysexits(3): configuration errors (bad mode, bad policy) and unavailable services.
    public static let exitConfigurationError: Int32 = 78
    public static let exitUnavailable: Int32 = 69

    let options: Options
    let logger: Logger

    public init(options: Options) {
        self.options = options
        let level = options.logLevel
        LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, level: level) }
        self.logger = Logger(label: "subflowd")
    }

    /// Runs until SIGINT/SIGTERM; returns the process exit status.
    public func run() -> Int32 {
        let mode: KernelModeCheck.Mode
        do { mode = try KernelModeCheck().verify(setMode: options.setPathManager) } catch {
            logger.critical("refusing to start: \(error)")
            return Daemon.exitConfigurationError
        }
        logger.info("subflowd \(SubflowdCommand.version) (policy API \(PolicyABI.version)): \(mode)")

        let loop: EventLoop
        let link: KernelLink
        let monitor: NetworkMonitor
        do {
            loop = try EventLoop()
            link = try KernelLink(loop: loop, logger: logger)
            monitor = try NetworkMonitor(loop: loop, logger: logger)
        } catch {
            logger.critical("cannot open the kernel interfaces: \(error) (subflowd needs root or CAP_NET_ADMIN)")
            return Daemon.exitUnavailable
        }
        let manager = PathManager(kernel: SignalDropCheck(link, logger: logger), scheduler: LoopScheduler(loop: loop), logger: logger)
        manager.listeners.port = ListenerSockets(loop: loop, logger: logger)
        do {
            let loader = PluginLoader(directories: options.pluginDirectories)
            for name in options.policies {
                let (registration, path) = try loader.load(policyNamed: name)
                try manager.load(registration, settings: options.settings[name] ?? PolicySettings(), origin: path)
            }
        } catch {
            logger.critical("\(error)")
            return Daemon.exitConfigurationError
        }
        manager.selection = PolicySelection(rules: options.rules)
        if let bad = manager.selection.unknownPolicies(loaded: manager.policyNames).first {
            logger.critical("rule '\(bad)': policy '\(bad.policy)' is not loaded; add --policy \(bad.policy)")
            return Daemon.exitConfigurationError
        }

        var recorder: TraceRecorder?
        if let recording = options.recording {
            do {
                recorder = try TraceRecorder(path: recording.path, maxBytes: recording.maxBytes, keep: recording.keep)
                logger.info("recording the kernel conversation to \(recording.path)")
            } catch {
                logger.critical("cannot record to \(recording.path): \(error)")
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
        link.onOverrun = { manager.eventsLost() }
        link.onMalformed = { manager.malformed($0) }
        monitor.onMessage = { manager.handle($0) }
        monitor.onMalformed = { manager.malformed($0) }
        var pieces = 0
        let started = MonotonicClock.nowMilliseconds
        let ready = { [logger] in
            pieces += 1
            if pieces == 2 {
                manager.startLivenessChecks(intervalMilliseconds: self.options.livenessIntervalMilliseconds)
                logger.notice("ready in \(MonotonicClock.nowMilliseconds - started) ms: policy \(manager.policyNames.joined(separator: ", ")), \(manager.network.usable.count) usable local addresses")
            }
        }
        link.onReady = { _ in ready() }
        monitor.onSynchronised = ready
        monitor.start()
        link.start()

        loop.run { [logger] signal in
            logger.notice("signal \(signal): stopping")
            loop.stop()
        }
        manager.stop()
        manager.listeners.closeAll()
        let c = manager.counters
        logger.info("stopped: \(c.events.values.reduce(0, +)) events, \(c.commandsSent) commands (\(c.commandsFailed) failed)")
        return 0
    }
}
