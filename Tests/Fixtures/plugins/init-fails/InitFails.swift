import SubflowPolicy

// Loader fixture: a well-formed plugin whose policy refuses to start.
struct InitFailure: Error, CustomStringConvertible {
    var description: String { "fixture refuses to start: required setting 'uplink' is missing" }
}

@_cdecl("subflowd_policy_abi_version")
public func subflowdPolicyABIVersion() -> UInt32 { PolicyABI.version }

@_cdecl("subflowd_policy_registration")
public func subflowdPolicyRegistration() -> UnsafeMutableRawPointer {
    PolicyABI.export(
        PolicyRegistration(name: "init-fails", summary: "always fails to start") { _, _ in
            throw InitFailure()
        })
}
