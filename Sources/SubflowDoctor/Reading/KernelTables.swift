import MPTCPWire
import SubflowPolicy
import SubflowSystem

/// Why a table could not be read: a check that gets one reports itself skipped with it.
struct TableUnreadable: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The kernel tables the path-manager, endpoint and limit checks read, each with one
/// synchronous netlink request on a socket of its own, in the namespace of the calling
/// thread (doctor has entered it). Nothing is written.
enum KernelTables {
    /// How long one request may take: the kernel answers these at once; the limit is for a
    /// namespace torn down mid-read.
    static let timeoutMilliseconds: Int32 = 2000

    /// The `mptcp_pm` family (its ID and multicast group IDs), resolved by name through
    /// nlctrl once per namespace visit.
    static func mptcpFamily(_ host: HostView) throws(TableUnreadable) -> GenericFamily {
        let resolved: Result<GenericFamily, TableUnreadable> = host.cached("mptcp_pm family") {
            do throws(TableUnreadable) { return .success(try resolveFamily()) } catch { return .failure(error) }
        }
        return try resolved.get()
    }

    private static func resolveFamily() throws(TableUnreadable) -> GenericFamily {
        let request = GenericNetlinkControl.encodeGetFamily(
            name: MPTCPFamily.name, sequence: 1, flags: [.request, .ack])
        let data = try exchange(request, protocol: NetlinkProtocolNumber.generic, what: "nlctrl GETFAMILY mptcp_pm")
        guard let reply = data.first else { throw TableUnreadable("nlctrl sent no reply for the mptcp_pm family") }
        do { return try GenericNetlinkControl.decodeFamily(reply) } catch {
            throw TableUnreadable("nlctrl reply for mptcp_pm: \(error)")
        }
    }

    /// Every in-kernel PM endpoint (GET_ADDR dump without a token).
    static func endpoints(familyID: UInt16) throws(TableUnreadable) -> [AddressEntry] {
        let request = MPTCPCommand.dumpAddresses(token: nil).encode(familyID: familyID, sequence: 1)
        var entries: [AddressEntry] = []
        for message in try exchange(request, protocol: NetlinkProtocolNumber.generic, what: "GET_ADDR dump") {
            do { entries.append(try MPTCPReply.address(message, familyID: familyID)) } catch {
                throw TableUnreadable("GET_ADDR dump: \(error)")
            }
        }
        return entries
    }

    /// The in-kernel PM limits (GET_LIMITS).
    static func limits(familyID: UInt16) throws(TableUnreadable) -> MPTCPLimits {
        let request = MPTCPCommand.getLimits.encode(familyID: familyID, sequence: 1)
        let data = try exchange(request, protocol: NetlinkProtocolNumber.generic, what: "GET_LIMITS")
        guard let reply = data.first else { throw TableUnreadable("GET_LIMITS: no reply") }
        do { return try MPTCPReply.limits(reply, familyID: familyID) } catch {
            throw TableUnreadable("GET_LIMITS: \(error)")
        }
    }

    /// Sends one request that ends in NLMSG_DONE or NLMSG_ERROR; returns the data messages.
    private static func exchange(
        _ request: [UInt8], protocol netlinkProtocol: Int32, what: String
    ) throws(TableUnreadable) -> [NetlinkMessage] {
        let socket: NetlinkSocket
        do { socket = try NetlinkSocket(protocol: netlinkProtocol) } catch {
            throw TableUnreadable("\(what): \(error)")
        }
        let messages: [NetlinkMessage]
        do { messages = try socket.dump(request, timeoutMilliseconds: timeoutMilliseconds) } catch {
            throw TableUnreadable("\(what): \(error)")
        }
        let checked: Result<[NetlinkMessage], KernelError>
        do { checked = try DiagDump.dataMessages(messages) } catch { throw TableUnreadable("\(what): \(error)") }
        switch checked {
        case .success(let data): return data
        case .failure(let error): throw TableUnreadable("\(what): the kernel refused it: \(error)")
        }
    }
}
