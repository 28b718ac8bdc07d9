import Glibc

/// Unbuffered writes to standard output / standard error, without stdio (whose `stdout`
/// global is not concurrency-safe in Swift 6). Each `write` is one line, written whole:
/// partial writes and EINTR are retried, so a reader of a pipe or file sees complete lines.
public enum StandardStream: Sendable {
    case output, error

    var fd: Descriptor { self == .output ? .standardOutput : .standardError }

    /// Writes `text` followed by a newline. Returns false if the stream is gone (EPIPE, EBADF…).
    @discardableResult
    public func writeLine(_ text: String) -> Bool {
        var bytes = Array(text.utf8)
        bytes.append(0x0A)
        return fd.writeAll(bytes) == nil
    }
}

/// Process-wide signal dispositions a command-line tool needs.
public enum ProcessSignals {
    /// SIGPIPE → ignored: a write to a closed connection or pipe then fails with EPIPE instead of
    /// killing the process. (Socket sends also pass MSG_NOSIGNAL.)
    public static func ignoreBrokenPipe() {
        _ = signal(SIGPIPE, SIG_IGN)
    }

    /// Unblocks every signal. A blocked mask survives exec: a tool started from a thread that
    /// blocks SIGTERM (libdispatch workers do, and Foundation's Process passes the mask on)
    /// would otherwise ignore SIGTERM and could only be stopped with SIGKILL.
    public static func unblockAll() {
        var empty = sigset_t()
        sigemptyset(&empty)
        _ = sigprocmask(SIG_SETMASK, &empty, nil)
    }
}
