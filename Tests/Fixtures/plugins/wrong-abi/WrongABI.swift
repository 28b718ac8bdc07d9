import SubflowPolicy

// Loader fixture: a plugin that claims an ABI version no daemon speaks. The loader must
// refuse it before calling anything else in it.
@_cdecl("subflowd_policy_abi_version")
public func subflowdPolicyABIVersion() -> UInt32 { 999 }

@_cdecl("subflowd_policy_registration")
public func subflowdPolicyRegistration() -> UnsafeMutableRawPointer {
    fatalError("the loader called into a plugin whose ABI version it should have refused")
}
