import Glibc

/// The one blocking wait of this module's synchronous sockets (MPTCPSocket, UnixStreamClient,
/// netlink dumps): poll(2) until a descriptor is ready or a deadline on the monotonic clock
/// passes. A signal (EINTR) does not end the wait: it goes on for the time left.
enum PollWait {
    /// The deadline `timeout` from now; nil (wait for ever) for a nil timeout.
    static func deadline(after timeout: Duration?) -> MonotonicClock.Instant? {
        timeout.map { MonotonicClock.now.advanced(by: $0) }
    }

    /// How many entries are ready; 0 once the deadline has passed.
    static func poll(_ entries: inout [pollfd], until deadline: MonotonicClock.Instant?) -> Result<Int32, Errno> {
        entries.withUnsafeMutableBufferPointer { buffer in
            // The time left is computed again on every attempt, so an interrupted wait resumes.
            retryingOnInterrupt {
                var milliseconds: Int32 = -1
                if let deadline {
                    let left = MonotonicClock.now.duration(to: deadline)
                    milliseconds = left <= .zero ? 0 : Int32(clamping: MonotonicClock.milliseconds(roundingUp: left))
                }
                return system_poll(buffer.baseAddress, buffer.count, milliseconds)
            }
        }
    }
}
