import MPTCPWire
import SubflowPolicy

/// Which local addresses subflowd offers to policies. Defaults follow what users expect of a
/// path manager: loopback and link-local addresses are never paths to a peer, and tentative
/// or DAD-failed IPv6 addresses cannot be bound yet (or ever).
public struct AddressFilter: Sendable, Hashable {
    public var skipLoopback = true
    public var skipLinkLocal = true
    /// Interface name patterns (`*` and `?` wildcards). Empty: every interface is allowed.
    public var allowInterfaces: [String] = []
    /// Interface name patterns that are never used, even when allowed above.
    public var denyInterfaces: [String] = []
    /// Address families offered to policies.
    public var families: Set<AddressFamily> = [.ipv4, .ipv6]

    public init() {}

    /// An address still in duplicate-address detection, or that failed it, is no path yet.
    static let unusableAddressFlags = InterfaceAddressFlags([.dadFailed, .tentative]).rawValue

    public func admits(_ address: IPAddress, flags: UInt32, on interface: NetworkInterface) -> Bool {
        if skipLoopback && (address.isLoopback || interface.isLoopback) { return false }
        if skipLinkLocal && address.isLinkLocal { return false }
        if flags & AddressFilter.unusableAddressFlags != 0 { return false }
        if !families.contains(address.family) { return false }
        return admits(interfaceNamed: interface.name)
    }

    public func admits(interfaceNamed name: String) -> Bool {
        if denyInterfaces.contains(where: { InterfacePattern.matches($0, name) }) { return false }
        return allowInterfaces.isEmpty || allowInterfaces.contains(where: { InterfacePattern.matches($0, name) })
    }
}
