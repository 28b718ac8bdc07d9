import CELL
import Glibc

/// Every descriptor the loop watches, in one epoll instance of our own: the loop's wait.
///
/// Why not one ELL `l_io` per descriptor: ELL 0.56 keeps its watches in a 128-entry table
/// (descriptors 0–127 only), and it treats EPOLLERR and EPOLLHUP as a disconnect and removes
/// the watch. A netlink overrun (ENOBUFS) raises EPOLLERR, so the daemon stopped reading its
/// kernel sockets for good. Here any descriptor number can be watched, the watch is
/// level-triggered, EPOLLERR/EPOLLHUP go to the read handler (whose recv sees the error and
/// clears it), and only the watch's owner ever removes it.
final class DescriptorWatches {
    /// At most this many ready descriptors are served per loop turn; the rest stay ready
    /// (level-triggered) and are served on the next turn (epoll rotates its ready list, so
    /// every ready descriptor, the timerfd among them, gets its turn).
    static let eventsPerTurn = 256

    let epollFD: Descriptor
    private var registrations: [UInt64: WatchRegistration] = [:]
    /// Which registration owns each descriptor number now, so a stale cancel (a watch whose
    /// descriptor was closed and reused) never removes its successor's registration.
    private var tokenByDescriptor: [Descriptor: UInt64] = [:]
    private var nextToken: UInt64 = 1
    private var ready = [epoll_event](repeating: epoll_event(), count: DescriptorWatches.eventsPerTurn)

    init() throws(SystemError) {
        epollFD = try descriptorOrErrno(system_epoll_create1(Int32(EPOLL_CLOEXEC))).orThrow("epoll_create1")
    }

    deinit { epollFD.close() }

    var count: Int { registrations.count }

    /// Starts watching `fd`; throws when the kernel refuses (already watched: EEXIST, not a
    /// pollable descriptor: EPERM, EBADF, ENOMEM, the user's epoll watch limit: ENOSPC).
    func add(_ registration: WatchRegistration) throws(SystemError) -> UInt64 {
        let token = nextToken
        nextToken += 1
        var event = epoll_event()
        event.events = registration.interest
        event.data.u64 = token
        guard system_epoll_ctl(epollFD, EPOLL_CTL_ADD, registration.fd, &event) == 0 else {
            throw SystemError.last("epoll_ctl(EPOLL_CTL_ADD)", "descriptor \(registration.fd)")
        }
        registrations[token] = registration
        tokenByDescriptor[registration.fd] = token
        return token
    }

    /// Applies a changed interest set (write handler armed or dropped, reading stopped).
    func update(token: UInt64) throws(SystemError) {
        guard let registration = registrations[token], tokenByDescriptor[registration.fd] == token else { return }
        var event = epoll_event()
        event.events = registration.interest
        event.data.u64 = token
        guard system_epoll_ctl(epollFD, EPOLL_CTL_MOD, registration.fd, &event) == 0 else {
            throw SystemError.last("epoll_ctl(EPOLL_CTL_MOD)", "descriptor \(registration.fd)")
        }
    }

    /// Stops the watch `token`. Safe from any handler, also the watch's own, and twice.
    func remove(token: UInt64) {
        guard let registration = registrations.removeValue(forKey: token) else { return }
        registration.silence()
        guard tokenByDescriptor[registration.fd] == token else { return }
        tokenByDescriptor[registration.fd] = nil
        // EBADF/ENOENT: the owner closed the descriptor first, which already removed it from
        // the epoll set (when it was the last reference). Nothing else can fail here.
        var unused = epoll_event()
        _ = system_epoll_ctl(epollFD, EPOLL_CTL_DEL, registration.fd, &unused)
    }

    /// Waits up to `milliseconds` (-1: until one is ready) and serves at most `eventsPerTurn`
    /// ready descriptors. A signal interrupting the wait (EINTR) just ends the turn (not
    /// retried: the loop checks for a stop request and waits again).
    func dispatchReady(waitingMilliseconds milliseconds: Int32) {
        let n = ready.withUnsafeMutableBufferPointer {
            system_epoll_wait(epollFD, $0.baseAddress, Int32($0.count), milliseconds)
        }
        guard n > 0 else { return }
        for i in 0..<Int(n) {
            let event = ready[i]
            let token = event.data.u64
            // A handler earlier in this batch may have cancelled this watch.
            guard let registration = registrations[token] else { continue }
            registration.dispatch(events: event.events) { [unowned self] in self.registrations[token] === registration }
        }
    }
}

/// One watched descriptor and its handlers. The handlers are the watch owner's closures; the
/// registration never closes the descriptor.
final class WatchRegistration {
    let fd: Descriptor
    var onReadable: (() -> Void)?
    var onWritable: (() -> Void)?
    var onHangUp: (() -> Void)?

    init(fd: Descriptor, onReadable: (() -> Void)?, onHangUp: (() -> Void)? = nil) {
        self.fd = fd
        self.onReadable = onReadable
        self.onHangUp = onHangUp
    }

    /// Level-triggered (no EPOLLET); EPOLLERR and EPOLLHUP are always reported by the kernel.
    var interest: UInt32 {
        (onReadable != nil ? EventBits.readable : 0) | (onWritable != nil ? EventBits.writable : 0)
    }

    func silence() {
        onReadable = nil
        onWritable = nil
        onHangUp = nil
    }

    /// An error or hang-up goes to the read handler (its recv reports it: ENOBUFS, ECONNRESET,
    /// end of stream), or to the hang-up handler when nobody reads. `stillWatched` is asked
    /// between handlers, since each may cancel the watch.
    fileprivate func dispatch(events: UInt32, stillWatched: () -> Bool) {
        let failed = events & (EventBits.error | EventBits.hangUp) != 0
        if events & EventBits.readable != 0 || failed {
            if let read = onReadable {
                read()
            } else if failed, let hangUp = onHangUp {
                hangUp()
            }
        }
        guard stillWatched(), events & EventBits.writable != 0 || failed, let write = onWritable else { return }
        write()
    }
}

/// epoll(7) event bits, named once.
enum EventBits {
    static let readable = EPOLLIN.rawValue
    static let writable = EPOLLOUT.rawValue
    static let error = EPOLLERR.rawValue
    static let hangUp = EPOLLHUP.rawValue
}
