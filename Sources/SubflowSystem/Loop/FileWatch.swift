/// A file-descriptor watch; cancel (or drop every reference) to stop it. Only its owner ever
/// stops a watch: an error or hang-up on the descriptor is reported to the handlers, never
/// acted on by the loop. `cancel` is safe from inside the watch's own handlers, from a timer,
/// and more than once. The descriptor is never closed by the watch.
public final class FileWatch {
    public let fd: Descriptor
    private weak var watches: DescriptorWatches?
    private let registration: WatchRegistration
    private let token: UInt64

    init(registration: WatchRegistration, in watches: DescriptorWatches) throws(SystemError) {
        fd = registration.fd
        self.registration = registration
        self.watches = watches
        token = try watches.add(registration)
    }

    /// The watch still has a handler (nobody cancelled it): the link watchdog checks this.
    public var isActive: Bool {
        registration.onReadable != nil || registration.onWritable != nil || registration.onHangUp != nil
    }

    public func cancel() {
        watches?.remove(token: token)
        registration.silence()
    }

    deinit { cancel() }

    /// Replaces the read handler; `nil` stops watching for input (EPOLLIN) while errors and
    /// hang-ups still reach the hang-up handler.
    func setReadHandler(_ handler: (() -> Void)?) throws(SystemError) {
        registration.onReadable = handler
        try watches?.update(token: token)
    }

    /// Watches for room to write (EPOLLOUT) while `handler` is set; `nil` stops.
    func setWriteHandler(_ handler: (() -> Void)?) throws(SystemError) {
        let changed = (handler == nil) != (registration.onWritable == nil)
        registration.onWritable = handler
        if changed { try watches?.update(token: token) }
    }
}
