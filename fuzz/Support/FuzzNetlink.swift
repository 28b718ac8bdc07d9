import SubflowSystem

/// Netlink helpers shared by the netlink fuzz targets.
public enum FuzzNetlink {
    /// The messages of a datagram, or none when it does not split (a described error).
    public static func messages(_ bytes: [UInt8]) -> [NetlinkMessage] {
        do {
            return try NetlinkDatagram.split(bytes)
        } catch {
            fuzzCheck(!error.description.isEmpty, "a split error without a description")
            return []
        }
    }

    /// Decodes bytes that our own encoder wrote: they must hold one message that decodes.
    public static func expectOne<T>(_ bytes: [UInt8], _ decode: (NetlinkMessage) throws(NetlinkDecodeError) -> T) -> T {
        do {
            return try decode(try NetlinkMessage(bytes: bytes))
        } catch {
            fuzzCheck(false, "re-encoded message does not decode: \(error)")
            fatalError()
        }
    }
}
