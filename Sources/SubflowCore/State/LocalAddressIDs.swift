import SubflowPolicy

/// Local address IDs of one connection under the userspace path manager's rules
/// (kernel `pm_userspace.c`): each connection has its own ID space; ID 0 is the address of
/// the initial subflow; an address keeps its ID for the connection's lifetime (the kernel
/// refuses a command whose address and ID match different entries: "did not match address
/// and id"); a new address gets the lowest free ID from 1 up, as the kernel itself does for
/// incoming joins.
extension ConnectionState {
    /// The ID this connection uses for `address`, allocating the lowest free one if the
    /// address has none yet. Nil when all 255 IDs are taken.
    public mutating func localID(for address: IPAddress) -> AddressID? {
        if let id = localAddressIDs[address] { return id }
        if let mapped = address.unmappedIPv4, let id = localAddressIDs[mapped] { return id }
        let taken = Set(localAddressIDs.values).union(announcedLocally.keys)
        for raw in UInt8(1)...UInt8(255) where !taken.contains(AddressID(raw)) {
            localAddressIDs[address] = AddressID(raw)
            return AddressID(raw)
        }
        return nil
    }

    /// Records an ID the kernel reported (SUB_ESTABLISHED's loc_id): the kernel's word wins.
    public mutating func recordLocalID(_ id: AddressID, for address: IPAddress) {
        for (other, otherID) in localAddressIDs where otherID == id && other != address && id != .initial {
            localAddressIDs[other] = nil
        }
        if id == .initial && address != local.address { return }
        localAddressIDs[address] = id
    }
}
