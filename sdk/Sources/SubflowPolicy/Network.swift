/// A network interface as the rtnetlink monitor sees it.
public struct NetworkInterface: Hashable, Sendable, CustomStringConvertible {
    public var index: InterfaceIndex
    public var name: String
    /// `IFF_*` flags from the kernel (IFF_UP 0x1, IFF_LOOPBACK 0x8, IFF_RUNNING 0x40, IFF_LOWER_UP 0x10000).
    public var flags: UInt32
    /// Carrier as reported by IFLA_CARRIER (nil when the kernel did not say).
    public var carrier: Bool?

    public init(index: InterfaceIndex, name: String, flags: UInt32, carrier: Bool? = nil) {
        self.index = index; self.name = name; self.flags = flags; self.carrier = carrier
    }

    public var isUp: Bool { flags & 0x1 != 0 }
    public var isRunning: Bool { flags & 0x40 != 0 }
    public var isLoopback: Bool { flags & 0x8 != 0 }
    /// Administratively up, operationally running, and with carrier: traffic can flow.
    public var isUsable: Bool { isUp && isRunning && carrier != false }

    public var description: String { "\(name)(\(index))" }
}

/// An address assigned to a local interface.
public struct LocalAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var interface: InterfaceIndex
    public var prefixLength: UInt8

    public init(address: IPAddress, interface: InterfaceIndex, prefixLength: UInt8) {
        self.address = address; self.interface = interface; self.prefixLength = prefixLength
    }

    public var family: AddressFamily { address.family }
    public var description: String { "\(address)/\(prefixLength) on \(interface)" }
    public static func < (a: Self, b: Self) -> Bool { (a.interface, a.address) < (b.interface, b.address) }
}
