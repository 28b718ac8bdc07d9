import SubflowPolicy

/// An address prefix (`198.18.2.0/24`): what the routing checks compare peers against.
struct AddressPrefix: Sendable, Hashable, CustomStringConvertible {
    var address: IPAddress
    var length: Int

    /// True when `other` (same family) lies inside this prefix.
    func contains(_ other: IPAddress) -> Bool {
        guard other.family == address.family else { return false }
        let a = address.bytes, b = other.bytes
        var bits = min(length, a.count * 8)
        var index = 0
        while bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xff : ~(0xff >> UInt8(bits))
            if a[index] & mask != b[index] & mask { return false }
            bits -= 8
            index += 1
        }
        return true
    }

    /// The prefix with its host bits cleared, as `ip route` prints it; `default` for /0.
    var description: String {
        guard length > 0 else { return "default" }
        var bytes = address.bytes
        for index in bytes.indices {
            let keep = max(0, min(8, length - index * 8))
            bytes[index] &= keep == 8 ? 0xff : ~(0xff >> UInt8(keep))
        }
        let network = IPAddress(bytes: bytes) ?? address
        return length == bytes.count * 8 ? "\(network)" : "\(network)/\(length)"
    }
}
