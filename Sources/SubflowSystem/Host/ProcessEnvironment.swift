import Glibc

/// This process's environment, exit and signal numbers, for code outside this module (which
/// does not import Glibc).
public enum ProcessEnvironment {
    /// The value of the environment variable `name`, nil when it is not set.
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Ends the process with `status` (exit(3)). Standard output and error are unbuffered
    /// (StandardStream), so nothing written is lost.
    public static func exit(_ status: Int32) -> Never {
        Glibc.exit(status)
    }
}

/// Signal numbers by name, for `EventLoop.onSignal` and `onTerminate`.
public enum SignalNumber {
    public static let hangUp: Int32 = SIGHUP
    public static let interrupt: Int32 = SIGINT
    public static let terminate: Int32 = SIGTERM
}
