import SubflowPolicy
import SubflowSystem

/// One socket of a sock_diag dump: a `SOCK_DIAG_BY_FAMILY` message holding `struct
/// inet_diag_msg` (filled by `inet_diag_msg_common_fill`) and its attributes.
///
/// An IPv6 socket of an IPv4 peer reports v4-mapped addresses (`::ffff:a.b.c.d`) with family
/// AF_INET6, exactly as MPTCP events describe such a socket.
public struct InetDiagSocket: Sendable, Hashable, CustomStringConvertible {
    public var family: AddressFamily
    public var state: TCPState
    public var local: SocketEndpoint
    public var remote: SocketEndpoint
    /// `idiag_if`: the device the socket is bound to (`SO_BINDTODEVICE`, or IF_IDX given to
    /// SUBFLOW_CREATE); nil when unbound (0).
    public var interface: InterfaceIndex?
    /// `idiag_cookie`: the kernel's unique socket cookie.
    public var cookie: UInt64
    /// `idiag_inode`: the inode of the owning socket file. Subflows report the inode of their
    /// MPTCP socket (seen on 6.18); 0 for sockets no file owns yet.
    public var inode: UInt32
    public var uid: UInt32
    /// Everything after the struct (`INET_DIAG_*`), undecoded.
    public var attributes: NetlinkAttributes

    public init(
        family: AddressFamily, state: TCPState, local: SocketEndpoint, remote: SocketEndpoint,
        interface: InterfaceIndex? = nil, cookie: UInt64 = 0, inode: UInt32 = 0, uid: UInt32 = 0,
        attributes: NetlinkAttributes = NetlinkAttributes()
    ) {
        self.family = family; self.state = state; self.local = local; self.remote = remote
        self.interface = interface; self.cookie = cookie; self.inode = inode; self.uid = uid
        self.attributes = attributes
    }

    /// Decodes one reply message. Throws for another message type, a struct cut short, an
    /// address family other than AF_INET/AF_INET6, or malformed attributes.
    public static func decode(_ message: NetlinkMessage) throws(NetlinkDecodeError) -> InetDiagSocket {
        guard message.type == SockDiag.byFamily else {
            throw NetlinkDecodeError(.unexpectedMessageType(message.type, expected: "SOCK_DIAG_BY_FAMILY (20)"))
        }
        let body = message.payload
        typealias L = InetDiagMessageLayout
        guard body.count >= L.size else {
            throw NetlinkDecodeError(
                .truncatedHeader(what: "struct inet_diag_msg", needed: L.size, available: body.count))
        }
        let rawFamily = UInt16(body[body.startIndex + L.family])
        guard let family = AddressFamily(rawValue: rawFamily) else {
            throw NetlinkDecodeError(
                .invalidValue(nil, value: Int64(rawFamily), reason: "idiag_family is not AF_INET or AF_INET6"))
        }
        func address(at offset: Int) -> IPAddress {
            let start = body.startIndex + offset
            return IPAddress(bytes: body[start..<start + (family == .ipv4 ? 4 : 16)])!
        }
        func port(at offset: Int) -> UInt16 {
            let start = body.startIndex + offset
            return UInt16(body[start]) << 8 | UInt16(body[start + 1])  // __be16
        }
        let interface = HostByteOrder.uint32(body, at: L.interface) ?? 0
        let cookieLow = HostByteOrder.uint32(body, at: L.cookie) ?? 0
        let cookieHigh = HostByteOrder.uint32(body, at: L.cookie + 4) ?? 0
        let attributes: NetlinkAttributes
        do {
            attributes = try NetlinkAttributes(parsing: body.dropFirst(L.size))
        } catch {
            throw error.within("inet_diag attributes")
        }
        return InetDiagSocket(
            family: family, state: TCPState(rawValue: body[body.startIndex + L.state]),
            local: SocketEndpoint(address(at: L.source), port: port(at: L.sourcePort)),
            remote: SocketEndpoint(address(at: L.destination), port: port(at: L.destinationPort)),
            interface: interface == 0 ? nil : InterfaceIndex(Int32(bitPattern: interface)),
            cookie: UInt64(cookieHigh) << 32 | UInt64(cookieLow),
            inode: HostByteOrder.uint32(body, at: L.inode) ?? 0,
            uid: HostByteOrder.uint32(body, at: L.uid) ?? 0,
            attributes: attributes)
    }

    /// `ESTABLISHED 198.18.1.1:40000 -> 198.18.1.2:5201 dev 3`.
    public var description: String {
        "\(state) \(local) -> \(remote)" + (interface.map { " dev \($0)" } ?? "")
    }
}
