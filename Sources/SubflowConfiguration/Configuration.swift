import Logging
import SubflowCore
import SubflowPolicy

/// Everything subflowd is configured with, after built-in defaults, the file and the command
/// line were applied in that order (later wins).
public struct Configuration {
    /// Where a setting came from, for messages that point at it.
    public struct Origin: Hashable, Sendable, CustomStringConvertible {
        public var path: String
        public var line: Int?
        public static let commandLine = Origin(path: "command line", line: nil)
        public static let builtIn = Origin(path: "built-in default", line: nil)
        public var description: String { line.map { "\(path):\($0)" } ?? path }
    }

    public enum LogTarget: String, Sendable, CaseIterable {
        case stderr, journal, null
    }

    /// Policies to load in order; the first is the default.
    public var policies: [String] = []
    public var policyOrigins: [String: Origin] = [:]
    public var rules: [(rule: PolicyRule, origin: Origin)] = []
    public var pluginDirectories: [String] = []
    /// Settings per policy, with where each key was set.
    public var policySettings: [String: [String: (value: String, origin: Origin)]] = [:]
    public var filter = AddressFilter()
    public var setPathManager = false
    public var livenessIntervalSeconds = 30
    /// Receive buffer of the MPTCP events socket (the kernel doubles it for bookkeeping): a
    /// burst larger than this is lost and followed by a resync from the kernel.
    public var eventsReceiveBufferBytes = 4 << 20
    public static let eventsReceiveBufferRange = (16 << 10)...(1 << 30)
    public var logTarget: LogTarget = .stderr
    public var logLevel: Logger.Level = .info
    public var recordPath: String?
    public var recordMaxBytes: Int?
    public var recordKeep = 3
    /// The control socket; nil disables it.
    public var controlSocket: String? = Configuration.defaultControlSocket
    public var controlGroup: String?
    /// ADDRESS:PORT of the Prometheus HTTP listener; nil: off.
    public var metricsListen: String?
    /// Where control-group or metrics-listen was last set, for messages about them.
    public var controlOrigin: Origin = .builtIn

    public init() {}

    /// The default location of the configuration file.
    public static let defaultPath = "/etc/subflowd/subflowd.conf"
    /// Where subflowd listens for subflowctl, and where subflowctl looks for it.
    public static let defaultControlSocket = "/run/subflowd/control.sock"

    /// Settings handed to one policy.
    public func settings(for policy: String) -> PolicySettings {
        PolicySettings((policySettings[policy] ?? [:]).mapValues(\.value))
    }
}
