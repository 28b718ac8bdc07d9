import SubflowPolicy
import SubflowSystem

/// `MPTCP_SUBFLOW_FLAG_*`: what the kernel knows about how a subflow came to be.
public struct MPTCPSubflowFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The subflow carried MP_CAPABLE: the connection's initial subflow.
    public static let mpCapableRemote = MPTCPSubflowFlags(rawValue: MPTCPSubflowFlagBit.mpCapableRemote)
    /// This host put MP_CAPABLE in the SYN: it opened the connection (client side). The server
    /// side's initial subflow never has it (seen on 6.18: `Mmec` on the client, `Mec` on the
    /// server in `ss -ti`).
    public static let mpCapableLocal = MPTCPSubflowFlags(rawValue: MPTCPSubflowFlagBit.mpCapableLocal)
    /// The subflow joined with MP_JOIN.
    public static let joinRemote = MPTCPSubflowFlags(rawValue: MPTCPSubflowFlagBit.joinRemote)
    /// This host sent the MP_JOIN SYN (a path manager on this host opened the subflow).
    public static let joinLocal = MPTCPSubflowFlags(rawValue: MPTCPSubflowFlagBit.joinLocal)
    /// The peer's backup flag (MP_JOIN or MP_PRIO): what SUB_ESTABLISHED's BACKUP carries.
    public static let backupRemote = MPTCPSubflowFlags(rawValue: MPTCPSubflowFlagBit.backupRemote)
    /// This host asked for backup when opening the subflow.
    public static let backupLocal = MPTCPSubflowFlags(rawValue: MPTCPSubflowFlagBit.backupLocal)
    /// The MPTCP-level handshake completed (for the initial subflow: the connection is fully
    /// established, the moment the kernel sends MPTCP_EVENT_ESTABLISHED).
    public static let fullyEstablished = MPTCPSubflowFlags(rawValue: MPTCPSubflowFlagBit.fullyEstablished)
    public static let connected = MPTCPSubflowFlags(rawValue: MPTCPSubflowFlagBit.connected)
    public static let mapValid = MPTCPSubflowFlags(rawValue: MPTCPSubflowFlagBit.mapValid)

    /// `ss`'s letters: `M` `m` `J` `j` `B` `b` `e` `c` `v`.
    public var description: String {
        let letters: [(MPTCPSubflowFlags, Character)] = [
            (.mpCapableRemote, "M"), (.mpCapableLocal, "m"), (.joinRemote, "J"), (.joinLocal, "j"),
            (.backupRemote, "B"), (.backupLocal, "b"), (.fullyEstablished, "e"), (.connected, "c"), (.mapValid, "v"),
        ]
        return String(letters.filter { contains($0.0) }.map(\.1))
    }
}

/// The MPTCP part of a subflow (`INET_ULP_INFO_MPTCP`, `net/mptcp/diag.c`): which connection
/// it belongs to, its address IDs and flags. Sequence-number fields are not kept.
public struct MPTCPSubflowDiagInfo: Sendable, Hashable, CustomStringConvertible {
    /// This host's token of the connection (`MPTCP_SUBFLOW_ATTR_TOKEN_LOC`).
    public var localToken: ConnectionToken
    /// The peer's token; 0 on the initial subflow.
    public var remoteToken: UInt32
    public var localID: AddressID
    public var remoteID: AddressID
    public var flags: MPTCPSubflowFlags

    public init(
        localToken: ConnectionToken, remoteToken: UInt32 = 0, localID: AddressID, remoteID: AddressID,
        flags: MPTCPSubflowFlags
    ) {
        self.localToken = localToken; self.remoteToken = remoteToken
        self.localID = localID; self.remoteID = remoteID; self.flags = flags
    }

    /// Reads an `INET_ULP_INFO_MPTCP` nest. TOKEN_LOC, FLAGS, ID_LOC and ID_REM are required:
    /// `subflow_get_info` always sends them.
    public init(decoding nest: NetlinkAttributes) throws(NetlinkDecodeError) {
        typealias A = MPTCPSubflowAttribute
        localToken = ConnectionToken(try nest.require(A.tokenLocal, name: "token_loc").u32(name: "token_loc"))
        remoteToken = try nest.u32(A.tokenRemote, name: "token_rem") ?? 0
        flags = MPTCPSubflowFlags(rawValue: try nest.require(A.flags, name: "flags").u32(name: "flags"))
        localID = AddressID(try nest.require(A.localID, name: "id_loc").u8(name: "id_loc"))
        remoteID = AddressID(try nest.require(A.remoteID, name: "id_rem").u8(name: "id_rem"))
    }

    /// `token 1164963221 ids 1/0 flags Jjec`.
    public var description: String { "token \(localToken) ids \(localID)/\(remoteID) flags \(flags)" }
}

/// One MPTCP subflow from a TCP dump: the TCP socket and its MPTCP info.
public struct MPTCPSubflowSocket: Sendable, Hashable, CustomStringConvertible {
    public var socket: InetDiagSocket
    public var mptcp: MPTCPSubflowDiagInfo

    public init(socket: InetDiagSocket, mptcp: MPTCPSubflowDiagInfo) {
        self.socket = socket
        self.mptcp = mptcp
    }

    /// Decodes one message of a TCP dump asked with `INET_DIAG_INFO`. Nil for a TCP socket
    /// that is not an MPTCP subflow: no `INET_DIAG_ULP_INFO`, another ULP ("tls"), or no MPTCP
    /// nest (a listener, a subflow whose MPTCP context is gone).
    public static func decode(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> MPTCPSubflowSocket? {
        let socket = try InetDiagSocket.decode(message)
        do {
            guard let ulp = try socket.attributes.nested(InetDiagAttribute.ulpInfo, name: "ulp_info"),
                try ulp.string(InetULPInfoAttribute.name, name: "ulp_name") == "mptcp",
                let nest = try ulp.nested(InetULPInfoAttribute.mptcp, name: "mptcp")
            else { return nil }
            return MPTCPSubflowSocket(socket: socket, mptcp: try MPTCPSubflowDiagInfo(decoding: nest))
        } catch {
            throw error.within("TCP socket \(socket)")
        }
    }

    public var description: String { "\(socket) \(mptcp)" }
}
