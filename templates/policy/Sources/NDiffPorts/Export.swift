import SubflowPolicy

// The two C symbols subflowd looks up in every plugin. The daemon reads the ABI version
// first and refuses the plugin if it differs from its own; only then does it call the
// registration function. Keep the symbol names exactly as they are.

@_cdecl("subflowd_policy_abi_version")
public func subflowdPolicyABIVersion() -> UInt32 { PolicyABI.version }

@_cdecl("subflowd_policy_registration")
public func subflowdPolicyRegistration() -> UnsafeMutableRawPointer {
    // `name` must equal the file name subflowd loads (ndiffports.so or libndiffports.so).
    PolicyABI.export(
        PolicyRegistration(
            name: "ndiffports",
            summary: "N subflows over the initial address pair, each from a different source port"
        ) { context, settings in
            try NDiffPorts(context: context, settings: settings)
        })
}
