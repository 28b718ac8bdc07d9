import Logging
import SubflowCore
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// What a command line says on top of the configuration file, as given (unchecked): nil or
/// empty means "not given, keep the file's (or the default)". subflowd and `subflowctl
/// replay` fill in the options they have; `Configuration.resolve` checks and applies them.
public struct CommandLineSettings: Sendable {
    /// `--config`: the file to read; nil: `defaultFile` if it exists.
    public var configFile: String?
    public var policies: [String] = []
    public var rules: [String] = []
    public var pluginDirectories: [String] = []
    /// `--set [POLICY.]KEY=VALUE`.
    public var policySettings: [String] = []
    public var logLevel: String?
    public var logTarget: String?
    public var setPathManager: Bool?
    public var livenessIntervalSeconds: Int?
    public var recordPath: String?
    public var recordMaxBytes: Int?
    public var recordKeep: Int?
    public var controlSocket: String?
    public var controlGroup: String?
    public var metricsListen: String?

    public init() {}
}

extension Configuration {
    /// Built-in defaults, then the configuration file, then the command line: the one rule
    /// for both subflowd and `subflowctl replay`. The file is `settings.configFile` if given
    /// (it must then exist), else `defaultFile` if that exists (subflowd's
    /// /etc/subflowd/subflowd.conf; replay passes nil: no file unless asked for).
    public static func resolve(
        _ settings: CommandLineSettings, defaultFile: String?
    ) throws(ConfigurationError) -> Configuration {
        var configuration = Configuration()
        if let path = settings.configFile ?? defaultFile, settings.configFile != nil || Files.exists(path) {
            try configuration.apply(fileAt: path)
        }
        try configuration.apply(settings)
        return configuration
    }

    /// Lays the command line over `self`; every problem names the option.
    public mutating func apply(_ line: CommandLineSettings) throws(ConfigurationError) {
        func fail(_ message: String) -> ConfigurationError { ConfigurationError("command line", nil, message) }
        let origin = Origin.commandLine
        if !line.policies.isEmpty {
            policies = []
            for name in line.policies {
                do { _ = try ConfigurationKeys.policyName(name) } catch { throw fail("--policy \(error.message)") }
                if !policies.contains(name) { policies.append(name) }
                policyOrigins[name] = origin
            }
        }
        if !line.rules.isEmpty {
            rules = []
            for text in line.rules {
                do throws(PolicyRuleError) { rules.append((try PolicyRule(parsing: text), origin)) } catch {
                    throw fail("--rule \(error)")
                }
            }
        }
        if !line.pluginDirectories.isEmpty { pluginDirectories = line.pluginDirectories }
        if let text = line.logLevel {
            guard let level = Logger.Level(name: text) else {
                throw fail("--log-level \(excerpt: text): expected debug, info, notice, warning or error")
            }
            logLevel = level
        }
        if let text = line.logTarget {
            guard let target = LogTarget(rawValue: text) else {
                throw fail("--log \(excerpt: text): expected stderr, journal or null")
            }
            logTarget = target
        }
        if let set = line.setPathManager { setPathManager = set }
        if let seconds = line.livenessIntervalSeconds {
            guard (1...86_400).contains(seconds) else {
                throw fail("--liveness-interval \(seconds): expected 1 to 86400 seconds")
            }
            livenessIntervalSeconds = seconds
        }
        if let path = line.recordPath { recordPath = path }
        if let bytes = line.recordMaxBytes {
            guard bytes >= 4096 else { throw fail("--record-max-bytes \(bytes): expected at least 4096") }
            recordMaxBytes = bytes
        }
        if let keep = line.recordKeep {
            guard (1...1000).contains(keep) else { throw fail("--record-keep \(keep): expected 1 to 1000") }
            recordKeep = keep
        }
        try applyControl(line)
        let grouped: [String: PolicySettings]
        do { grouped = try PolicySettingAssignment.group(line.policySettings, policies: policies) } catch {
            throw fail("\(error)")
        }
        for (policy, values) in grouped {
            for (key, value) in values.values { policySettings[policy, default: [:]][key] = (value, origin) }
        }
    }

    /// --control-socket, --control-group and --metrics-listen over the file's
    /// `control-socket`, `control-group` and `metrics-listen`.
    private mutating func applyControl(_ line: CommandLineSettings) throws(ConfigurationError) {
        func fail(_ message: String) -> ConfigurationError { ConfigurationError("command line", nil, message) }
        if let path = line.controlSocket {
            guard path == "none" || path.hasPrefix("/") else {
                throw fail("--control-socket \(path): expected an absolute path, or none")
            }
            controlSocket = path == "none" ? nil : path
        }
        if let group = line.controlGroup {
            controlGroup = group.isEmpty ? nil : group
            controlOrigin = .commandLine
        }
        if let listen = line.metricsListen {
            guard listen == "none" || ControlSettings.listenAddress(listen) != nil else {
                throw fail(
                    "--metrics-listen \(listen): expected ADDRESS:PORT, [IPv6]:PORT, or :PORT / PORT for 127.0.0.1")
            }
            metricsListen = listen == "none" ? nil : listen
            controlOrigin = .commandLine
        }
    }
}
