import SubflowPolicy

// The two C symbols every subflowd policy plugin exports (see PolicyABI).
// (The policy itself is being written; until then this plugin refuses to start.)

struct NotYetAvailable: Error, CustomStringConvertible {
    var description: String { "the signal-per-interface policy is not available in this build" }
}

@_cdecl("subflowd_policy_abi_version")
public func subflowdPolicyABIVersion() -> UInt32 { PolicyABI.version }

@_cdecl("subflowd_policy_registration")
public func subflowdPolicyRegistration() -> UnsafeMutableRawPointer {
    PolicyABI.export(PolicyRegistration(name: "signal-per-interface", summary: "not available in this build") { _, _ in
        throw NotYetAvailable()
    })
}
