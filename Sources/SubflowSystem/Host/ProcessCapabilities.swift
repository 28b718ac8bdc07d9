/// The process's effective capabilities, as the kernel reports them in `/proc/self/status`
/// (`CapEff:`, a hexadecimal mask). Reading the file needs no libcap and works the same in a
/// container, where root may lack capabilities that uid 0 usually implies.
public struct ProcessCapabilities: Sendable {
    /// A capability number from `<linux/capability.h>`.
    public struct Capability: Hashable, Sendable, CustomStringConvertible {
        public let number: UInt32
        public let name: String
        private init(_ number: UInt32, _ name: String) { self.number = number; self.name = name }
        public var description: String { name }

        /// `CAP_NET_ADMIN`: generic-netlink `mptcp_pm` commands and its events group.
        public static let netAdmin = Capability(12, "CAP_NET_ADMIN")
    }

    private let effective: UInt64

    /// The capabilities of this process, or nil when `/proc/self/status` cannot be read or
    /// has no `CapEff:` line (then nothing can be said in advance; the kernel will tell).
    public static func current() -> ProcessCapabilities? {
        guard let status = try? TextFile.read("/proc/self/status", limit: 64 << 10) else { return nil }
        return parse(status: status)
    }

    /// Parses the text of a `/proc/PID/status` file.
    public static func parse(status: String) -> ProcessCapabilities? {
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).filter { !$0.isWhitespace }
            guard let mask = UInt64(hex, radix: 16) else { return nil }
            return ProcessCapabilities(effective: mask)
        }
        return nil
    }

    public func has(_ capability: Capability) -> Bool {
        capability.number < 64 && effective & (1 << UInt64(capability.number)) != 0
    }
}
