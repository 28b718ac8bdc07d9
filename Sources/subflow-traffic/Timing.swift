// `clock` and `link`: timestamps on CLOCK_MONOTONIC, the clock every network namespace of a
// host shares (time namespaces aside), so a sender, a receiver and the moment a link went
// down can be put on one time line.
import SubflowSystem

/// `subflow-traffic clock`: prints CLOCK_MONOTONIC in nanoseconds, a bare number.
func printClock() -> Never {
    StandardStream.output.writeLine(String(MonotonicClock.nowNanoseconds))
    ProcessEnvironment.exit(0)
}

/// `subflow-traffic link DEV up|down`: sets or clears IFF_UP on DEV with SIOCSIFFLAGS — the
/// same call as `ip link set DEV up|down`, but with a timestamp taken right before and right
/// after it. The kernel changes the link state inside the call (its RTM_NEWLINK notification
/// is sent before the call returns), so the link changed between `before_ns` and `after_ns`:
///   {"type":"link","device":"cli-a","up":false,"before_ns":N,"after_ns":M}
func setLink(_ arguments: ArraySlice<String>) -> Never {
    guard arguments.count == 2, let device = arguments.first, let state = arguments.last,
        state == "up" || state == "down"
    else {
        usageError("usage: subflow-traffic link DEV up|down")
    }
    guard InterfaceLinkChange.isValidName(device) else { usageError("link: '\(device)' is not an interface name") }
    let change: InterfaceLinkChange
    do { change = try InterfaceLinkChange(device: device, up: state == "up") } catch {
        fail(error.operation == "socket" ? "link: socket: \(error.message)" : "link: \(device): \(error.message)")
    }
    let before = MonotonicClock.nowNanoseconds
    let outcome = Result { () throws(SystemError) in try change.apply() }
    let after = MonotonicClock.nowNanoseconds
    if case .failure(let error) = outcome { fail("link: \(device) \(state): \(error.message)") }
    var line = JSONLine(type: "link")
    line.add("device", device)
    line.add("up", state == "up")
    line.add("before_ns", before)
    line.add("after_ns", after)
    line.emit()
    ProcessEnvironment.exit(0)
}
