import Glibc

/// Setting a network interface up or down with SIOCSIFFLAGS — the same call as
/// `ip link set DEV up|down` — split in two so a caller can time the change itself: `prepare`
/// opens the socket and reads the current flags (SIOCGIFFLAGS), `apply` is the one ioctl that
/// changes the link (the kernel sends its RTM_NEWLINK notification before the call returns).
public final class InterfaceLinkChange {
    public let device: String
    public let up: Bool
    private let socket: Descriptor
    /// struct ifreq: ifr_name[IFNAMSIZ], then a union whose `short ifru_flags` comes first; 40
    /// bytes on 64-bit Linux. Raw bytes, because Glibc's and <linux/if.h>'s ifreq clash in Swift.
    private var request = [UInt8](repeating: 0, count: 40)
    /// IFF_UP (<net/if.h>).
    private static let interfaceUp: Int16 = 0x1

    /// True when `name` can name an interface (not empty, shorter than IFNAMSIZ).
    public static func isValidName(_ name: String) -> Bool { !name.isEmpty && name.utf8.count < Int(IFNAMSIZ) }

    /// Reads `device`'s flags. Throws "socket" or "SIOCGIFFLAGS" (e.g. ENODEV: no such device).
    public init(device: String, up: Bool) throws(SystemError) {
        guard Self.isValidName(device) else {
            throw SystemError(operation: "SIOCGIFFLAGS", errno: .invalidArgument, detail: device)
        }
        self.device = device
        self.up = up
        socket = try descriptorOrErrno(
            system_socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        )
        .orThrow("socket")
        request.replaceSubrange(0..<device.utf8.count, with: device.utf8)
        guard request.withUnsafeMutableBytes({ system_ioctl(socket, UInt(SIOCGIFFLAGS), $0.baseAddress!) }) == 0 else {
            let error = SystemError.last("SIOCGIFFLAGS", device)
            socket.close()
            throw error
        }
        request.withUnsafeMutableBytes { raw in
            let flags = raw.load(fromByteOffset: Int(IFNAMSIZ), as: Int16.self)
            raw.storeBytes(
                of: up ? flags | Self.interfaceUp : flags & ~Self.interfaceUp, toByteOffset: Int(IFNAMSIZ),
                as: Int16.self)
        }
    }

    deinit { socket.close() }

    /// The change itself: one SIOCSIFFLAGS.
    public func apply() throws(SystemError) {
        guard request.withUnsafeMutableBytes({ system_ioctl(socket, UInt(SIOCSIFFLAGS), $0.baseAddress!) }) == 0 else {
            throw SystemError.last("SIOCSIFFLAGS", device)
        }
    }
}
