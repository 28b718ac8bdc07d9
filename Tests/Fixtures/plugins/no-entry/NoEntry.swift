import SubflowPolicy

// Loader fixture: a shared object that exports the version symbol but no registration
// entry point, as a plugin built with a typo in its @_cdecl name would.
@_cdecl("subflowd_policy_abi_version")
public func subflowdPolicyABIVersion() -> UInt32 { PolicyABI.version }

@_cdecl("subflowd_policy_registration_misspelled")
public func misspelledRegistration() -> UnsafeMutableRawPointer {
    fatalError("never called")
}
