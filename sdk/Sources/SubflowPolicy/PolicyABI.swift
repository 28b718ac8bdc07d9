/// The contract between subflowd and a policy plugin (a `.so` file).
///
/// A plugin exports two C symbols:
///
///     @_cdecl("subflowd_policy_abi_version")
///     public func subflowdPolicyABIVersion() -> UInt32 { PolicyABI.version }
///
///     @_cdecl("subflowd_policy_registration")
///     public func subflowdPolicyRegistration() -> UnsafeMutableRawPointer {
///         PolicyABI.export(PolicyRegistration(name: "mypolicy", summary: "…") { context, settings in
///             MyPolicy(context: context)
///         })
///     }
///
/// The daemon reads the version first and refuses the plugin unless it equals its own;
/// only then does it call the registration function. Any change to a public type of this
/// SDK (a new event case, a new field, a new protocol requirement) bumps `version`.
public enum PolicyABI {
    /// The ABI version this code was compiled against. `@_alwaysEmitIntoClient` makes the
    /// number a literal inside each plugin, so the daemon reads the plugin's own value, not
    /// the one in the shared library it happens to load.
    @_alwaysEmitIntoClient
    public static var version: UInt32 { 3 }

    /// Symbol of `@convention(c) () -> UInt32` returning the plugin's `PolicyABI.version`.
    public static let versionSymbol = "subflowd_policy_abi_version"
    /// Symbol of `@convention(c) () -> UnsafeMutableRawPointer` returning `export(_:)`'s result.
    public static let registrationSymbol = "subflowd_policy_registration"

    /// Hands a registration to the daemon across the C boundary (retained once; the daemon
    /// takes ownership).
    public static func export(_ registration: PolicyRegistration) -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(registration).toOpaque()
    }
}

/// What a plugin tells the daemon about itself, and how to create its policy.
public final class PolicyRegistration {
    /// The name used in `--policy NAME` and in the configuration. Lower case, digits and dashes.
    public let name: String
    /// One line for `subflowd --list-policies` and the logs.
    public let summary: String
    /// Creates the policy. Throwing refuses the plugin; the daemon reports the error text.
    public let make: (any PolicyContext, PolicySettings) throws -> any PathPolicy

    public init(
        name: String, summary: String,
        make: @escaping (any PolicyContext, PolicySettings) throws -> any PathPolicy
    ) {
        self.name = name; self.summary = summary; self.make = make
    }
}
