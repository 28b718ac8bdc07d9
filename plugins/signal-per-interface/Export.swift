import SubflowPolicy

// The two C symbols every subflowd policy plugin exports (see PolicyABI).

@_cdecl("subflowd_policy_abi_version")
public func subflowdPolicyABIVersion() -> UInt32 { PolicyABI.version }

@_cdecl("subflowd_policy_registration")
public func subflowdPolicyRegistration() -> UnsafeMutableRawPointer {
    PolicyABI.export(
        PolicyRegistration(
            name: "signal-per-interface",
            summary:
                "announce one address per usable interface (other than the initial subflow's) to every connection's peer"
        ) { context, settings in
            try SignalPerInterface(context: context, settings: SignalPerInterface.Settings(settings))
        })
}
