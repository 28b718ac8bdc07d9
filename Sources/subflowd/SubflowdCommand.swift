import ArgumentParser
import Logging
import SubflowConfiguration
import SubflowCore
import SubflowDaemon
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// `subflowd`: the command line. Every option overrides the configuration file, which
/// overrides the built-in defaults.
public struct SubflowdCommand: ParsableCommand {
    public static let version = ProductVersion.current

    public static let configuration = CommandConfiguration(
        commandName: "subflowd",
        abstract:
            "Multipath TCP path manager: follows the kernel's MPTCP events and drives subflows through policy plugins.",
        discussion: """
            subflowd needs the userspace path manager in its network namespace \
            (sysctl net.mptcp.path_manager=userspace; --set-path-manager sets it) and CAP_NET_ADMIN. \
            Start it before the MPTCP connections it should manage: the kernel refuses joins for \
            userspace-PM connections while no daemon listens. Settings come from the command line, \
            then the configuration file (default \(Configuration.defaultPath)), then built-in defaults.
            """,
        version: "subflowd \(version) (policy API \(PolicyABI.version))")

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Configuration file (default \(Configuration.defaultPath), if it exists).", valueName: "path"))
    var config: String?

    @Flag(
        name: .long,
        help: "Check the configuration (file, options, plugins, policy settings, rules) and exit: 0 if good, 78 if not."
    )
    var checkConfig = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Policy plugin to load (repeatable). The first is the default policy; --rule sends some connections to another.",
            valueName: "name"))
    var policy: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Policy for matching connections (repeatable, first match wins): 'SELECTOR... => POLICY' with side=client|server, remote=PREFIX, local=PREFIX, remote-port=N[-M], local-port=N[-M]. Replaces the file's rules.",
            valueName: "rule"))
    var rule: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Directory of policy plugins, <name>.so or lib<name>.so (repeatable: searched in order).",
            discussion:
                "Default: ../lib/subflowd next to the executable, or the executable's own directory in a build tree."))
    var pluginDir: [String] = []

    @Option(name: .long, help: "Log level: debug, info, notice, warning, error (default info).")
    var logLevel: String?

    @Option(name: .long, help: "Log target: stderr, journal (syslog priorities for systemd-journald) or null.")
    var log: String?

    @Flag(
        name: .long, inversion: .prefixedNo,
        help:
            "Switch this network namespace to the userspace path manager (and enable MPTCP) instead of refusing to start."
    )
    var setPathManager: Bool?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "A policy setting (repeatable): POLICY.KEY=VALUE, or KEY=VALUE for the default policy, e.g. --set fullmesh.max-subflows=4.",
            valueName: "[policy.]key=value"))
    var settings: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds between checks that known connections still exist (default 30; the kernel sends no CLOSED after a peer's MP_FASTCLOSE).",
            valueName: "seconds"))
    var livenessInterval: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Record everything received from and sent to the kernel into this pcap file (LINKTYPE_NETLINK; open it with tshark or replay it with subflowctl).",
            valueName: "file"))
    var record: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Rotate the recording when it would pass this many bytes (FILE.1, FILE.2, ...).", valueName: "bytes"))
    var recordMaxBytes: Int?

    @Option(name: .long, help: ArgumentHelp("Rotated recordings to keep (default 3).", valueName: "count"))
    var recordKeep: Int?

    // Control socket and metrics.
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The control socket for subflowctl status, connections, monitor and metrics (default \(Configuration.defaultControlSocket); 'none' disables it).",
            valueName: "path"))
    var controlSocket: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A group whose members may use the control socket (mode 0660); default: root and subflowd's own user only (mode 0600).",
            valueName: "name"))
    var controlGroup: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve Prometheus metrics over HTTP (GET /metrics) on ADDRESS:PORT; ':PORT' or 'PORT' alone bind 127.0.0.1. Off by default.",
            valueName: "address:port"))
    var metricsListen: String?

    @Flag(name: .long, help: "List the policies found in the plugin directory and exit.")
    var listPolicies = false

    public init() {}

    public func run() throws {
        // ld.so loaded these at exec time; refuse to run on code others could have replaced.
        if let problem = LoadedObjects.untrusted().first {
            StandardStream.error.writeLine(
                "subflowd: \(problem) (a file of subflowd itself or of a library it was started with; "
                    + "see 'What subflowd trusts' in subflowd(8))")
            throw ExitCode(ExitStatus.configurationError)
        }
        let configuration: Configuration
        do { configuration = try resolvedConfiguration() } catch {
            StandardStream.error.writeLine("subflowd: \(error)")
            throw ExitCode(ExitStatus.configurationError)
        }
        let directories =
            configuration.pluginDirectories.isEmpty ? [PluginLoader.defaultDirectory] : configuration.pluginDirectories
        if listPolicies {
            let loader = PluginLoader(directories: directories)
            for name in loader.availablePolicyNames() {
                if let (registration, _) = try? loader.load(policyNamed: name) {
                    print("\(name)\t\(registration.summary)")
                } else {
                    print("\(name)\t(cannot be loaded: run subflowd --check-config --policy \(name) to see why)")
                }
            }
            return
        }
        if checkConfig {
            do {
                let loaded = try PolicyLoading.load(configuration, directories: directories)
                try PolicyLoading.validateSettings(loaded, configuration: configuration)
                do { _ = try ControlSettings(configuration) } catch {
                    throw ConfigurationError(
                        configuration.controlOrigin.path, configuration.controlOrigin.line, error.description)
                }
                print(
                    "configuration is valid: policies \(loaded.map(\.registration.name).joined(separator: ", "))"
                        + (configuration.rules.isEmpty ? "" : ", \(configuration.rules.count) rule(s)"))
                return
            } catch {
                StandardStream.error.writeLine("subflowd: \(error)")
                throw ExitCode(ExitStatus.configurationError)
            }
        }
        // Only the executable bootstraps logging (the library takes a Logger); the settings box
        // stays shared with the daemon so that a SIGHUP reload changes level and target.
        let logSettings = LogSettings(level: configuration.logLevel, target: configuration.logTarget)
        LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, settings: logSettings) }
        let status = Daemon(
            configuration: configuration, directories: directories,
            logger: Logger(label: "subflowd"), logSettings: logSettings,
            reread: { () throws(ConfigurationError) in try self.resolvedConfiguration() }
        ).run()
        if status != 0 { throw ExitCode(status) }
    }

    /// Built-in defaults, then the file, then the command line (`Configuration.resolve`).
    func resolvedConfiguration() throws(ConfigurationError) -> Configuration {
        let configuration = try Configuration.resolve(commandLine, defaultFile: Configuration.defaultPath)
        guard !configuration.policies.isEmpty || listPolicies else {
            throw ConfigurationError(
                "command line", nil,
                "no policy: give --policy NAME or 'policy = NAME' in [core] of \(config ?? Configuration.defaultPath) (see --list-policies)"
            )
        }
        return configuration
    }

    /// The options that override the configuration file, as given.
    var commandLine: CommandLineSettings {
        var line = CommandLineSettings()
        line.configFile = config
        line.policies = policy
        line.rules = rule
        line.pluginDirectories = pluginDir
        line.policySettings = settings
        line.logLevel = logLevel
        line.logTarget = log
        line.setPathManager = setPathManager
        line.livenessIntervalSeconds = livenessInterval
        line.recordPath = record
        line.recordMaxBytes = recordMaxBytes
        line.recordKeep = recordKeep
        line.controlSocket = controlSocket
        line.controlGroup = controlGroup
        line.metricsListen = metricsListen
        return line
    }
}
