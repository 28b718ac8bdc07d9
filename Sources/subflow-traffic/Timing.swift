// `clock` and `link`: timestamps on CLOCK_MONOTONIC, the clock every network namespace of a
// host shares (time namespaces aside), so a sender, a receiver and the moment a link went
// down can be put on one time line.
import Glibc
import SubflowSystem

/// CLOCK_MONOTONIC in nanoseconds.
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// `subflow-traffic clock`: prints CLOCK_MONOTONIC in nanoseconds, a bare number.
func printClock() -> Never {
    StandardStream.output.writeLine(String(monotonicNanoseconds()))
    exit(0)
}

/// `subflow-traffic link DEV up|down`: sets or clears IFF_UP on DEV with SIOCSIFFLAGS — the
/// same call as `ip link set DEV up|down`, but with a timestamp taken right before and right
/// after it. The kernel changes the link state inside the call (its RTM_NEWLINK notification
/// is sent before the call returns), so the link changed between `before_ns` and `after_ns`:
///   {"type":"link","device":"cli-a","up":false,"before_ns":N,"after_ns":M}
func setLink(_ arguments: ArraySlice<String>) -> Never {
    guard arguments.count == 2, let device = arguments.first, let state = arguments.last, state == "up" || state == "down" else {
        usageError("usage: subflow-traffic link DEV up|down")
    }
    guard !device.isEmpty, device.utf8.count < Int(IFNAMSIZ) else { usageError("link: '\(device)' is not an interface name") }
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { fail("link: socket: \(String(cString: strerror(errno)))") }
    // struct ifreq: ifr_name[IFNAMSIZ], then a union whose `short ifru_flags` comes first; 40
    // bytes on 64-bit Linux. Raw bytes, because Glibc's and <linux/if.h>'s ifreq clash in Swift.
    var request = [UInt8](repeating: 0, count: 40)
    request.replaceSubrange(0..<device.utf8.count, with: device.utf8)
    guard request.withUnsafeMutableBytes({ ioctl(fd, UInt(SIOCGIFFLAGS), $0.baseAddress!) }) == 0 else {
        fail("link: \(device): \(String(cString: strerror(errno)))")
    }
    request.withUnsafeMutableBytes { raw in
        let flags = raw.load(fromByteOffset: Int(IFNAMSIZ), as: Int16.self)
        let iffUp: Int16 = 0x1
        raw.storeBytes(of: state == "up" ? flags | iffUp : flags & ~iffUp, toByteOffset: Int(IFNAMSIZ), as: Int16.self)
    }
    let before = monotonicNanoseconds()
    let status = request.withUnsafeMutableBytes { ioctl(fd, UInt(SIOCSIFFLAGS), $0.baseAddress!) }
    let after = monotonicNanoseconds()
    guard status == 0 else { fail("link: \(device) \(state): \(String(cString: strerror(errno)))") }
    close(fd)
    var line = JSONLine(type: "link")
    line.add("device", device)
    line.add("up", state == "up")
    line.add("before_ns", before)
    line.add("after_ns", after)
    line.emit()
    exit(0)
}
