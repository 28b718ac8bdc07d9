import Logging
import SubflowCore
import SubflowFormats
import SubflowPolicy
import SubflowSimulation
import SubflowSystem

/// Loads the configured policies and checks everything that needs their code: the plugin
/// loads, the policy starts with its settings, every setting given is one the policy reads,
/// every rule names a loaded policy. Errors point at the configuration line responsible.
public enum PolicyLoading {
    public struct Loaded {
        public var registration: PolicyRegistration
        public var path: String
        public var settings: PolicySettings
    }

    /// Loads without keeping anything running: each policy is created once with a scratch
    /// PathManager (as --check-config does) to validate its settings.
    public static func load(
        _ configuration: Configuration, directories: [String]
    ) throws(ConfigurationError) -> [Loaded] {
        let loader = PluginLoader(directories: directories)
        var loaded: [Loaded] = []
        for name in configuration.policies {
            let origin = configuration.policyOrigins[name] ?? .builtIn
            do {
                let (registration, path) = try loader.load(policyNamed: name)
                loaded.append(
                    Loaded(registration: registration, path: path, settings: configuration.settings(for: name)))
            } catch {
                throw ConfigurationError(origin.path, origin.line, "policy '\(name)': \(error)")
            }
        }
        for (policy, keys) in configuration.policySettings where !configuration.policies.contains(policy) {
            let first = keys.values.map(\.origin).min { ($0.line ?? 0) < ($1.line ?? 0) } ?? .builtIn
            throw ConfigurationError(
                first.path, first.line,
                "settings for policy '\(policy)', which is not loaded: add it to 'policy' or 'load-policies'")
        }
        for (rule, origin) in configuration.rules where !configuration.policies.contains(rule.policy) {
            throw ConfigurationError(
                origin.path, origin.line,
                "rule '\(excerpt: rule.description)': policy '\(rule.policy)' is not loaded; add it to 'load-policies' (or --policy \(rule.policy))"
            )
        }
        return loaded
    }

    /// Adds the loaded policies to `manager`, checking that every setting was read.
    public static func install(
        _ loaded: [Loaded], into manager: PathManager, configuration: Configuration
    ) throws(ConfigurationError) {
        for policy in loaded {
            let name = policy.registration.name
            let origin = configuration.policyOrigins[name] ?? .builtIn
            do { try manager.load(policy.registration, settings: policy.settings, origin: policy.path) } catch {
                let where_ = configuration.policySettings[name]?.values.map(\.origin).first ?? origin
                throw ConfigurationError(where_.path, where_.line, "\(error)")
            }
            if let unknown = policy.settings.unreadKeys.first {
                let at = configuration.policySettings[name]?[unknown]?.origin ?? origin
                let known = policy.settings.keysRead.sorted().joined(separator: ", ")
                throw ConfigurationError(
                    at.path, at.line,
                    "unknown key '\(excerpt: unknown)' for policy \(name)"
                        + (known.isEmpty ? " (it takes no settings)" : "; it reads: \(known)"))
            }
        }
    }

    /// Creates every policy once against a scratch PathManager (simulated kernel) and checks
    /// its settings: what --check-config and a reload do before touching anything live.
    public static func validateSettings(_ loaded: [Loaded], configuration: Configuration) throws(ConfigurationError) {
        let scheduler = ManualScheduler()
        let scratch = PathManager(
            kernel: SimulatedKernel(scheduler: scheduler), scheduler: scheduler,
            logger: Logger(label: "check", factory: { _ in SwiftLogNoOpLogHandler() }))
        // Fresh PolicySettings: the read log must be the scratch instance's own.
        let fresh = loaded.map {
            Loaded(
                registration: $0.registration, path: $0.path,
                settings: configuration.settings(for: $0.registration.name))
        }
        try install(fresh, into: scratch, configuration: configuration)
        scratch.stop()
    }
}
