import Foundation

/// Sockets opened from the test process itself for hostile-client tests: UNIX clients of a
/// control socket that pipeline without reading, and TCP clients inside a testbed namespace
/// (created while this thread is switched into it with setns(2), then switched back; a
/// socket stays in the namespace it was created in).
final class HostileSocket {
    let fd: Int32
    private(set) var isOpen = true

    private init(fd: Int32) { self.fd = fd }

    deinit { close() }

    func close() {
        if isOpen { Glibc.close(fd) }
        isOpen = false
    }

    /// A non-blocking UNIX stream client of `path`; nil if the connection failed. With
    /// `waitForBacklog` the connect blocks while the listener's backlog is full (until the
    /// server accepts), without it the connect fails at once then.
    static func unix(_ path: String, waitForBacklog: Bool = true) -> HostileSocket? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | (waitForBacklog ? 0 : Int32(SOCK_NONBLOCK.rawValue)), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else { Glibc.close(fd); return nil }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return HostileSocket(fd: fd)
    }

    /// A non-blocking TCP client from `source` to `destination`:`port` (IPv4 dotted quads)
    /// inside `namespace`, once connected; nil if it could not connect within `timeout`.
    static func tcp(
        in namespace: String, from source: String, to destination: String, port: UInt16,
        timeout: Duration = .seconds(10)
    ) throws -> HostileSocket? {
        let fd = try NamespaceSwitch.inside(namespace) {
            socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        guard fd >= 0 else { return nil }
        let client = HostileSocket(fd: fd)
        guard bind(fd, source, port: 0) == 0 else { return nil }
        _ = withAddress(destination, port: port) { connect(fd, $0, $1) }
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let (seconds, _) = timeout.components
        guard poll(&entry, 1, Int32(seconds * 1000)) == 1 else { return nil }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error == 0 ? client : nil
    }

    /// Sends what the kernel takes now without blocking; false once the peer is gone.
    @discardableResult
    func push(_ bytes: [UInt8]) -> Bool {
        guard isOpen else { return false }
        let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n < 0 && errno != EAGAIN { close(); return false }
        return true
    }

    /// Keeps the kernel's buffer full with repetitions of `line` (never blocks).
    func fill(with line: [UInt8], upTo bytes: Int = 1 << 20) {
        var sent = 0
        while isOpen, sent < bytes {
            let n = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno != EAGAIN { close() }; return }
            sent += n
            if n < line.count { return }
        }
    }

    /// True when the peer closed the connection (end of stream or reset); reads and drops data.
    var peerClosed: Bool {
        guard isOpen else { return true }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { continue }
            return n == 0 || errno != EAGAIN
        }
    }

    /// Everything until the peer closes (blocking with poll, at most `timeout`).
    func readAll(timeout: Duration = .seconds(20)) -> String {
        var data: [UInt8] = []
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while clock.now < deadline {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 200) >= 0 else { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { data += buffer[0..<n]; continue }
            if n == 0 || errno != EAGAIN { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func bind(_ fd: Int32, _ address: String, port: UInt16) -> Int32 {
        withAddress(address, port: port) { Glibc.bind(fd, $0, $1) }
    }

    private static func withAddress<R>(
        _ text: String, port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R
    ) -> R {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, text, &address.sin_addr)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}

/// Runs a short synchronous body with the calling thread in another network namespace.
enum NamespaceSwitch {
    struct Failed: Error, CustomStringConvertible {
        var what: String
        var description: String { "setns: \(what): \(String(cString: strerror(errno)))" }
    }

    /// CLONE_NEWNET (linux/sched.h).
    static let newNetworkNamespace: Int32 = 0x4000_0000

    /// setns(2), which Glibc's module map leaves out (it needs _GNU_SOURCE).
    private static let setns: @convention(c) (Int32, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else {
            fatalError("no setns in libc")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()

    static func inside<R>(_ namespace: String, _ body: () throws -> R) throws -> R {
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else { throw Failed(what: "open own namespace") }
        defer { Glibc.close(original) }
        let target = open("/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw Failed(what: "open /run/netns/\(namespace)") }
        defer { Glibc.close(target) }
        guard setns(target, newNetworkNamespace) == 0 else { throw Failed(what: namespace) }
        defer {
            precondition(setns(original, newNetworkNamespace) == 0, "cannot return to the test's network namespace")
        }
        return try body()
    }
}
