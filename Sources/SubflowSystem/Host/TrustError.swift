import SubflowFormats

/// Why a path was not trusted: which component, what is wrong with it, and how to fix it.
public struct TrustError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Hashable, Sendable {
        case notFound
        case notADirectory(FileStatus.Kind)
        case notARegularFile(FileStatus.Kind)
        case untrustedOwner(uid: UInt32, isDirectory: Bool)
        case writable(byOthers: Bool, mode: UInt32, isDirectory: Bool)
        case untrustedLink(uid: UInt32)
        case tooManyLinks
        case changedWhileOpening
        case system(SystemError)
    }

    /// The component refused (after following symbolic links: where the problem really is).
    public var path: String
    public var problem: Problem

    public init(path: String, problem: Problem) { self.path = path; self.problem = problem }

    public var isNotFound: Bool { problem == .notFound }

    /// What is wrong and what to do, without the path (callers that lead with it use this).
    public var explanation: String {
        let shown = InputExcerpt.of(path, limit: 200)
        switch problem {
        case .notFound:
            return "no such file or directory"
        case .notADirectory(let kind):
            return "it is \(kind), not a directory"
        case .notARegularFile(let kind):
            return "it is \(kind), not a regular file"
        case .untrustedOwner(let uid, let isDirectory):
            return
                "the \(isDirectory ? "directory" : "file") is owned by uid \(uid), not by root or the user running subflowd "
                + "(uid \(FileStatus.effectiveUID)), so that user could change what subflowd reads; fix with: chown root \(shown)"
        case .writable(let byOthers, let mode, let isDirectory):
            return "the \(isDirectory ? "directory" : "file") is writable by \(byOthers ? "others" : "its group") "
                + "(mode \(String(mode, radix: 8))); fix with: chmod go-w \(shown)"
        case .untrustedLink(let uid):
            return
                "the symbolic link belongs to uid \(uid) and sits in a directory anyone may write (sticky, like /tmp): "
                + "only links of root or the user running subflowd are followed there; name the link's target instead"
        case .tooManyLinks:
            return "too many levels of symbolic links (more than \(TrustedPath.maximumLinks))"
        case .changedWhileOpening:
            return "the file was replaced while it was being opened; try again"
        case .system(let error):
            return "\(error.operation): \(error.message)"
        }
    }

    public var description: String { "\(InputExcerpt.of(path, limit: 200)): refused: \(explanation)" }
}
