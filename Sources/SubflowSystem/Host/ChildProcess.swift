import Glibc

/// Runs a tool (`nft -j list ruleset`, `iptables-save`) to completion and returns what it
/// printed, for read-only diagnostics. The child inherits the calling thread's network
/// namespace (doctor enters `--netns` before it asks), its standard input is /dev/null, and
/// its standard error is discarded. Bounded both ways: a child that outlives `timeout` is
/// killed (SIGKILL) and one that prints more than `outputLimit` bytes is killed too, so a
/// hung or chatty tool cannot hang or flood the caller.
public enum ChildProcess {
    public struct Result: Sendable, Hashable {
        /// The exit status (0–255), or nil when a signal ended it.
        public var exitStatus: Int32?
        /// Its standard output.
        public var output: [UInt8]
        public var outputText: String { String(decoding: output, as: UTF8.self) }
    }

    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// No executable of this name in the search path.
        case notInstalled(String)
        case system(SystemError)
        case timedOut(String, milliseconds: Int)
        case outputTooLarge(String, limit: Int)

        public var description: String {
            switch self {
            case .notInstalled(let name): "\(name) is not installed"
            case .system(let error): "\(error)"
            case .timedOut(let name, let ms): "\(name) did not finish within \(ms) ms (killed)"
            case .outputTooLarge(let name, let limit): "\(name) printed more than \(limit) bytes (killed)"
            }
        }
    }

    /// The directories searched for `arguments[0]` when it has no slash.
    public static let searchPath = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]

    /// The full path of executable `name` in `searchPath`, nil when it is not there.
    public static func locate(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        return searchPath.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// Runs `arguments` (the first is the tool, looked up in `searchPath`) and waits for it.
    public static func run(
        _ arguments: [String], timeout: Duration = .seconds(5), outputLimit: Int = 16 << 20
    ) throws(Failure) -> Result {
        precondition(!arguments.isEmpty)
        let name = arguments[0]
        guard let executable = locate(name) else { throw .notInstalled(name) }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { throw .system(.last("pipe")) }
        // Neither end may leak into other children; spawn's dup2 gives the child a clean fd 1.
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let reading = Descriptor(rawValue: pipeEnds[0])
        defer { reading.close() }
        let pid: pid_t
        do {
            defer { _ = Glibc.close(pipeEnds[1]) }
            pid = try spawn(executable, arguments, output: pipeEnds[1])
        }
        var output: [UInt8] = []
        let deadline = MonotonicClock.now.advanced(by: timeout)
        var failure: Failure?
        var chunk = [UInt8](repeating: 0, count: 65536)
        reading: while true {
            var entry = [pollfd(fd: reading.rawValue, events: Int16(POLLIN), revents: 0)]
            if case .failure(let error) = PollWait.poll(&entry, until: deadline) {
                failure = .system(SystemError(operation: "poll(\(name))", errno: error))
                break
            }
            if entry[0].revents == 0 {
                failure = .timedOut(name, milliseconds: Int(MonotonicClock.milliseconds(roundingUp: timeout)))
                break
            }
            let read = retryingOnInterrupt {
                chunk.withUnsafeMutableBytes { system_read(reading, $0.baseAddress, $0.count) }
            }
            guard case .success(let count) = read else {
                if case .failure(let error) = read {
                    failure = .system(SystemError(operation: "read(\(name) output)", errno: error))
                }
                break
            }
            switch count {
            case 0:
                break reading
            default:
                guard output.count + count <= outputLimit else {
                    failure = .outputTooLarge(name, limit: outputLimit)
                    break reading
                }
                output += chunk[0..<count]
            }
        }
        if failure != nil { _ = kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw .system(.last("waitpid(\(name))")) }
        }
        if let failure { throw failure }
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        let exited = status & 0x7f == 0
        return Result(exitStatus: exited ? (status >> 8) & 0xff : nil, output: output)
    }

    /// posix_spawn with stdin from /dev/null, stdout to `output`, stderr discarded.
    private static func spawn(_ executable: String, _ arguments: [String], output: Int32) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let variables: [String] = ["PATH=" + searchPath.joined(separator: ":"), "LC_ALL=C"]
        let environment = variables.map { strdup($0) } + [nil]
        defer { for pointer in environment { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, environment)
        guard result == 0 else {
            throw .system(SystemError(operation: "posix_spawn", errno: Errno(rawValue: result), detail: executable))
        }
        return pid
    }
}
