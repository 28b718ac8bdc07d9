import SubflowPolicy

// The two C symbols every subflowd policy plugin exports (see PolicyABI).

@_cdecl("subflowd_policy_abi_version")
public func subflowdPolicyABIVersion() -> UInt32 { PolicyABI.version }

@_cdecl("subflowd_policy_registration")
public func subflowdPolicyRegistration() -> UnsafeMutableRawPointer {
    PolicyABI.export(
        PolicyRegistration(
            name: "fullmesh",
            summary: "one subflow from every usable local address to every known peer address of the same family"
        ) { context, settings in
            try FullMesh(context: context, settings: FullMesh.Settings(settings))
        })
}
