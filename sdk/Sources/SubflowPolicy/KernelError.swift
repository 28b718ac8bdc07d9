/// The kernel's answer to one command: its error code and its extended-ack text.
///
/// Compare codes by name, never by number:
///
///     if case .failure(let error) = result, error.code == .noSuchProcess { … }   // "subflow not found"
///     case .failure(let error) where error.code == .tryAgain: …                   // ADD_ADDR dropped
public struct KernelError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as the kernel's errno (`.invalidArgument` for EINVAL).
    public var code: Code
    /// The kernel's extended-ack message, e.g. "invalid token" (nil if it sent none).
    public var message: String?

    public init(code: Code, message: String? = nil) { self.code = code; self.message = message }
    /// For a number read off the wire (a netlink error's negated errno, made positive).
    public init(errno: Int32, message: String? = nil) { self.init(code: Code(rawValue: errno), message: message) }

    /// The positive errno number (22 for EINVAL), for logs, counters and the control socket.
    public var errno: Int32 {
        get { code.rawValue }
        set { code = Code(rawValue: newValue) }
    }

    /// "EINVAL: invalid token", "ESRCH", or "errno 200" for an errno the SDK does not name.
    public var description: String { message.map { "\(code): \($0)" } ?? "\(code)" }
}

extension KernelError {
    /// A positive errno value. The named ones are those a path manager meets; any other
    /// number is kept as it is (a struct, not a closed enum, so that nothing is lost).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        private init(_ name: Name) { rawValue = name.rawValue }

        /// The symbolic name, "ESRCH"; nil for an errno the SDK does not name.
        public var name: String? { Name(rawValue: rawValue).map { "\($0)" } }
        /// The symbolic name, or "errno N".
        public var description: String { name ?? "errno \(rawValue)" }
        /// Every named code, in errno order.
        public static var named: [Code] { Name.allCases.map(Code.init) }

        /// EPERM: the caller lacks CAP_NET_ADMIN in the namespace.
        public static let operationNotPermitted = Code(.EPERM)
        /// ENOENT: no such entry (an in-kernel endpoint, a file).
        public static let noSuchEntry = Code(.ENOENT)
        /// ESRCH: SUBFLOW_DESTROY found no subflow with that 4-tuple ("subflow not found").
        public static let noSuchProcess = Code(.ESRCH)
        /// EAGAIN: try again later; subflowd's answer when the kernel dropped an ADD_ADDR.
        public static let tryAgain = Code(.EAGAIN)
        /// ENOMEM: the kernel could not allocate.
        public static let outOfMemory = Code(.ENOMEM)
        /// EACCES: permission denied.
        public static let permissionDenied = Code(.EACCES)
        /// EBUSY: the resource is busy.
        public static let busy = Code(.EBUSY)
        /// EEXIST: the entry exists already.
        public static let alreadyExists = Code(.EEXIST)
        /// ENODEV: no such device (interface).
        public static let noSuchDevice = Code(.ENODEV)
        /// EINVAL: the kernel's answer to most bad commands ("invalid token", "families mismatch", …).
        public static let invalidArgument = Code(.EINVAL)
        /// ENOSPC: no free local address ID left on the connection.
        public static let noSpace = Code(.ENOSPC)
        /// ERANGE: a value out of range.
        public static let outOfRange = Code(.ERANGE)
        /// EOPNOTSUPP: the operation is not supported (e.g. SET_FLAGS on an in-kernel endpoint ID 0).
        public static let notSupported = Code(.EOPNOTSUPP)
        /// EAFNOSUPPORT: address family not supported.
        public static let addressFamilyNotSupported = Code(.EAFNOSUPPORT)
        /// EADDRINUSE: the address and port are in use.
        public static let addressInUse = Code(.EADDRINUSE)
        /// EADDRNOTAVAIL: the local address is not on this host ("connect error: -99").
        public static let addressNotAvailable = Code(.EADDRNOTAVAIL)
        /// ENETUNREACH: no route to the remote network ("connect error: -101").
        public static let networkUnreachable = Code(.ENETUNREACH)
        /// ECONNABORTED: the connection was aborted.
        public static let connectionAborted = Code(.ECONNABORTED)
        /// ECONNRESET: the peer reset the connection.
        public static let connectionReset = Code(.ECONNRESET)
        /// ENOBUFS: no buffer space; subflowd's answer when a netlink overrun lost the kernel's reply.
        public static let noBufferSpace = Code(.ENOBUFS)
        /// ENOTCONN: the connection is not fully established yet (SUBFLOW_CREATE).
        public static let notConnected = Code(.ENOTCONN)
        /// ETIMEDOUT: timed out; subflowd's answer when the kernel did not reply in time.
        public static let timedOut = Code(.ETIMEDOUT)
        /// ECONNREFUSED: the peer refused the connection.
        public static let connectionRefused = Code(.ECONNREFUSED)
        /// EHOSTUNREACH: no route to the remote host.
        public static let hostUnreachable = Code(.EHOSTUNREACH)

        /// The one table of numbers and names (Linux's `<asm-generic/errno*.h>`): each case's
        /// name is the errno's symbolic name, so a code and its printed name cannot disagree.
        private enum Name: Int32, CaseIterable {
            case EPERM = 1, ENOENT = 2, ESRCH = 3, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EBUSY = 16
            case EEXIST = 17, ENODEV = 19, EINVAL = 22, ENOSPC = 28, ERANGE = 34, EOPNOTSUPP = 95
            case EAFNOSUPPORT = 97, EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETUNREACH = 101
            case ECONNABORTED = 103, ECONNRESET = 104, ENOBUFS = 105, ENOTCONN = 107, ETIMEDOUT = 110
            case ECONNREFUSED = 111, EHOSTUNREACH = 113
        }
    }
}
