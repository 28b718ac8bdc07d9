import ArgumentParser
import Logging
import SubflowCore
import SubflowPolicy
import SubflowSystem

/// `subflowd`: the command line.
public struct SubflowdCommand: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "subflowd",
        abstract: "Multipath TCP path manager: follows the kernel's MPTCP events and drives subflows through policy plugins.",
        discussion: """
            subflowd needs the userspace path manager in its network namespace \
            (sysctl net.mptcp.path_manager=userspace; --set-path-manager sets it) and CAP_NET_ADMIN. \
            Start it before the MPTCP connections it should manage: the kernel refuses joins for \
            userspace-PM connections while no daemon listens.
            """,
        version: "subflowd \(version) (policy API \(PolicyABI.version))")

    @Option(name: .long, help: ArgumentHelp("Policy plugin to load (repeatable). The first is the default policy; --rule sends some connections to another.", valueName: "name"))
    var policy: [String] = []

    @Option(name: .long, help: ArgumentHelp("Policy for matching connections (repeatable, first match wins): 'SELECTOR... => POLICY' with side=client|server, remote=PREFIX, local=PREFIX, remote-port=N[-M], local-port=N[-M].", valueName: "rule"))
    var rule: [String] = []

    @Option(name: .long, help: ArgumentHelp("Directory of policy plugins, <name>.so or lib<name>.so (repeatable: searched in order).",
                                            discussion: "Default: ../lib/subflowd next to the executable, or the executable's own directory in a build tree."))
    var pluginDir: [String] = []

    @Option(name: .long, help: "Log level: debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @Flag(name: .long, help: "Switch this network namespace to the userspace path manager (and enable MPTCP) instead of refusing to start.")
    var setPathManager = false

    @Option(name: .customLong("set"), help: ArgumentHelp("A policy setting (repeatable): POLICY.KEY=VALUE, or KEY=VALUE for the default policy, e.g. --set fullmesh.max-subflows=4.", valueName: "[policy.]key=value"))
    var settings: [String] = []

    @Option(name: .long, help: ArgumentHelp("Seconds between checks that known connections still exist (the kernel sends no CLOSED after a peer's MP_FASTCLOSE).", valueName: "seconds"))
    var livenessInterval: Int = 30

    @Option(name: .long, help: ArgumentHelp("Record everything received from and sent to the kernel into this pcap file (LINKTYPE_NETLINK; open it with tshark or replay it with subflowctl).", valueName: "file"))
    var record: String?

    @Option(name: .long, help: ArgumentHelp("Rotate the recording when it would pass this many bytes (FILE.1, FILE.2, ...).", valueName: "bytes"))
    var recordMaxBytes: Int?

    @Option(name: .long, help: ArgumentHelp("Rotated recordings to keep.", valueName: "count"))
    var recordKeep: Int = 3

    @Flag(name: .long, help: "List the policies found in the plugin directory and exit.")
    var listPolicies = false

    public init() {}

    public func validate() throws {
        guard Logger.Level(name: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)': use debug, info, notice, warning or error")
        }
        for setting in settings where !setting.contains("=") {
            throw ValidationError("--set \(setting): expected KEY=VALUE")
        }
        guard (1...86_400).contains(livenessInterval) else {
            throw ValidationError("--liveness-interval \(livenessInterval): expected 1 to 86400 seconds")
        }
        if let recordMaxBytes, recordMaxBytes < 4096 {
            throw ValidationError("--record-max-bytes \(recordMaxBytes): expected at least 4096")
        }
        guard (1...1000).contains(recordKeep) else { throw ValidationError("--record-keep \(recordKeep): expected 1 to 1000") }
        if policy.isEmpty && !listPolicies {
            throw ValidationError("missing --policy NAME (see --list-policies for what is installed)")
        }
    }

    public func run() throws {
        let directories = pluginDir.isEmpty ? [PluginLoader.defaultDirectory] : pluginDir
        if listPolicies {
            let loader = PluginLoader(directories: directories)
            for name in loader.availablePolicyNames() {
                if let (registration, _) = try? loader.load(policyNamed: name) {
                    print("\(name)\t\(registration.summary)")
                } else {
                    print("\(name)\t(cannot be loaded: run subflowd --policy \(name) to see why)")
                }
            }
            return
        }
        let options: Daemon.Options
        do {
            options = Daemon.Options(
                policies: policy, rules: try rule.map { text throws(PolicyRuleError) in try PolicyRule(parsing: text) },
                pluginDirectories: directories, logLevel: Logger.Level(name: logLevel) ?? .info,
                setPathManager: setPathManager, settings: try PolicySettingAssignment.group(settings, policies: policy),
                livenessIntervalMilliseconds: UInt64(livenessInterval) * 1000,
                recording: record.map { Daemon.Recording(path: $0, maxBytes: recordMaxBytes, keep: recordKeep) })
        } catch {
            throw ValidationError("\(error)")
        }
        let status = Daemon(options: options).run()
        if status != 0 { throw ExitCode(status) }
    }
}

extension Logger.Level {
    init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "notice": self = .notice
        case "warning", "warn": self = .warning
        case "error": self = .error
        default: return nil
        }
    }
}
