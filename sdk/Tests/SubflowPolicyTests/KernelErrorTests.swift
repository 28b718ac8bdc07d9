import Glibc
import SubflowPolicy
import Testing

@Suite struct KernelErrorTests {
    /// Every named code with the C library's number and the errno's symbolic name: the SDK
    /// carries its own numbers, so they are checked against the installed headers here.
    static let named: [(KernelError.Code, Int32, String)] = [
        (.operationNotPermitted, EPERM, "EPERM"), (.noSuchEntry, ENOENT, "ENOENT"), (.noSuchProcess, ESRCH, "ESRCH"),
        (.tryAgain, EAGAIN, "EAGAIN"), (.outOfMemory, ENOMEM, "ENOMEM"), (.permissionDenied, EACCES, "EACCES"),
        (.busy, EBUSY, "EBUSY"), (.alreadyExists, EEXIST, "EEXIST"), (.noSuchDevice, ENODEV, "ENODEV"),
        (.invalidArgument, EINVAL, "EINVAL"), (.noSpace, ENOSPC, "ENOSPC"), (.outOfRange, ERANGE, "ERANGE"),
        (.notSupported, EOPNOTSUPP, "EOPNOTSUPP"), (.addressFamilyNotSupported, EAFNOSUPPORT, "EAFNOSUPPORT"),
        (.addressInUse, EADDRINUSE, "EADDRINUSE"), (.addressNotAvailable, EADDRNOTAVAIL, "EADDRNOTAVAIL"),
        (.networkUnreachable, ENETUNREACH, "ENETUNREACH"), (.connectionAborted, ECONNABORTED, "ECONNABORTED"),
        (.connectionReset, ECONNRESET, "ECONNRESET"), (.noBufferSpace, ENOBUFS, "ENOBUFS"),
        (.notConnected, ENOTCONN, "ENOTCONN"), (.timedOut, ETIMEDOUT, "ETIMEDOUT"),
        (.connectionRefused, ECONNREFUSED, "ECONNREFUSED"), (.hostUnreachable, EHOSTUNREACH, "EHOSTUNREACH"),
    ]

    @Test func eachNamedCodeIsTheKernelsNumberAndKnowsItsName() {
        for (code, number, name) in Self.named {
            #expect(code.rawValue == number, "\(name)")
            #expect(code.name == name && code.description == name)
            #expect(KernelError.Code(rawValue: number) == code, "\(name) from its number")
            #expect(KernelError(errno: number).code == code && KernelError(code: code).errno == number, "\(name)")
        }
    }

    @Test func everyNamedCodeIsListedOnceAndNamedOnce() {
        #expect(KernelError.Code.named == Self.named.map(\.0))
        #expect(Set(KernelError.Code.named.map(\.rawValue)).count == KernelError.Code.named.count)
        #expect(Set(KernelError.Code.named.compactMap(\.name)).count == KernelError.Code.named.count)
    }

    @Test func anUnknownErrnoRoundTripsAndPrintsItsNumber() {
        let unknown = KernelError(errno: 200, message: "odd")
        #expect(unknown.code.rawValue == 200 && unknown.errno == 200 && unknown.code.name == nil)
        #expect(unknown.code == KernelError.Code(rawValue: 200) && unknown.code != .invalidArgument)
        #expect(unknown.description == "errno 200: odd")
        #expect(KernelError(errno: 200).description == "errno 200")
    }

    @Test func describesItselfAsBefore() {
        #expect(KernelError(code: .invalidArgument, message: "invalid token").description == "EINVAL: invalid token")
        #expect(KernelError(errno: 3).description == "ESRCH")
        #expect(
            KernelError(code: .noSuchProcess, message: "subflow not found")
                == KernelError(errno: 3, message: "subflow not found"))
    }

    @Test func settingTheErrnoChangesTheCode() {
        var error = KernelError(code: .invalidArgument)
        error.errno = 11
        #expect(error.code == .tryAgain)
    }

    @Test func readsWellInPatterns() {
        let result: Result<Void, KernelError> = .failure(KernelError(code: .tryAgain, message: "dropped"))
        switch result {
        case .failure(let error) where error.code == .tryAgain: break
        default: Issue.record("a where clause did not match .tryAgain")
        }
        switch KernelError(errno: 3).code {
        case .noSuchProcess: break
        case .invalidArgument: Issue.record("ESRCH matched .invalidArgument")
        default: Issue.record("ESRCH did not match .noSuchProcess")
        }
    }
}
