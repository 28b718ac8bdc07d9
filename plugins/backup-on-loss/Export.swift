import SubflowPolicy

// The two C symbols every subflowd policy plugin exports (see PolicyABI).

@_cdecl("subflowd_policy_abi_version")
public func subflowdPolicyABIVersion() -> UInt32 { PolicyABI.version }

@_cdecl("subflowd_policy_registration")
public func subflowdPolicyRegistration() -> UnsafeMutableRawPointer {
    PolicyABI.export(BackupOnLoss.registration)
}
