/// `RT_SCOPE_*`: the `ifa_scope` of an address (`<linux/rtnetlink.h>`).
public enum AddressScope {
    /// Global: usable toward any destination (the only scope a subflow's source can have).
    public static let universe: UInt8 = 0
    public static let link: UInt8 = 253
    public static let host: UInt8 = 254
}
