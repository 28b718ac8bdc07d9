import Glibc

/// The module's one EINTR policy. A call that a signal interrupted before it did anything
/// returns -1 with EINTR and may simply be made again: that is done here, and nowhere else.
/// The exceptions are deliberate and say so where they are: close(2) (never retried on
/// Linux), connect(2) (the attempt goes on, like EINPROGRESS) and the event loop's
/// epoll_wait (an interrupted turn just ends). Waits with a deadline recompute the time
/// left inside the retried call (PollWait).
func retryingOnInterrupt<Value: FixedWidthInteger>(_ call: () -> Value) -> Result<Value, Errno> {
    while true {
        switch valueOrErrno(call()) {
        case .failure(.interrupted): continue
        case let other: return other
        }
    }
}

/// -1 becomes the errno the call left; any other value is the call's result.
func valueOrErrno<Value: FixedWidthInteger>(_ value: Value) -> Result<Value, Errno> {
    value == -1 ? .failure(.current) : .success(value)
}

extension Result where Failure == Errno {
    /// The value, or a SystemError naming the operation (and what it acted on).
    func orThrow(_ operation: String, _ detail: String? = nil) throws(SystemError) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let errno): throw SystemError(operation: operation, errno: errno, detail: detail)
        }
    }
}
