import Foundation

/// What a finished command produced.
struct CommandResult: Sendable, CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var stdout: String
    var stderr: String
    /// True when the command was killed because it outlived its timeout.
    var timedOut = false

    var succeeded: Bool { status == 0 && !timedOut }

    var description: String {
        var text = "$ \(arguments.joined(separator: " "))  → exit \(status)\(timedOut ? " (timed out)" : "")"
        if !stdout.isEmpty { text += "\n[stdout]\n\(stdout)" }
        if !stderr.isEmpty { text += "\n[stderr]\n\(stderr)" }
        return text
    }
}

/// A command that exited non-zero where success was required.
struct CommandFailed: Error, CustomStringConvertible {
    var result: CommandResult
    var description: String { "command failed: \(result)" }
}

/// Runs programs with Foundation.Process. Output goes to temporary files, not pipes, so a
/// chatty command can never block on a full pipe.
enum Command {
    /// Finds `name` on PATH, then in /usr/sbin and /sbin (where iproute2 lives on Debian).
    static func executable(_ name: String) -> URL {
        if name.hasPrefix("/") { return URL(fileURLWithPath: name) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        return URL(fileURLWithPath: "/usr/bin/\(name)")
    }

    /// Runs `arguments` (argv[0] looked up with `executable`) to completion; kills it
    /// (SIGTERM, then SIGKILL) if it outlives `timeout` × `WaitScale.factor` (a limit for a
    /// hang, not a measure: on a loaded machine `ss` alone has taken over 30 s). Never throws
    /// for a non-zero exit.
    static func run(_ arguments: [String], timeout: Duration = .seconds(30)) throws -> CommandResult {
        precondition(!arguments.isEmpty)
        let timeout = timeout * WaitScale.factor
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("sfd-cmd-\(getpid())-\(UUID().uuidString.prefix(8))")
        let outURL = scratch.appendingPathExtension("out")
        let errURL = scratch.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = executable(arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try ProcessControl.launch(process)

        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var timedOut = false
        while process.isRunning {
            if clock.now >= deadline {
                timedOut = true
                ProcessControl.stop(process, grace: .seconds(1))
                break
            }
            usleep(2_000)
        }
        process.waitUntilExit()
        return CommandResult(
            arguments: arguments, status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
            timedOut: timedOut)
    }

    /// Like `run`, but throws `CommandFailed` unless the command exits 0.
    @discardableResult
    static func check(_ arguments: [String], timeout: Duration = .seconds(30)) throws -> CommandResult {
        let result = try run(arguments, timeout: timeout)
        guard result.succeeded else { throw CommandFailed(result: result) }
        return result
    }
}

/// Stopping a process WE started, by its PID only: SIGTERM, a grace period, then SIGKILL.
enum ProcessControl {
    /// Starts `process` with an EMPTY signal mask. Foundation's Process spawns the child with
    /// the calling thread's mask, and the test runner's worker threads block most signals
    /// (SIGTERM included): children would then ignore SIGTERM and only die by SIGKILL.
    static func launch(_ process: Process) throws {
        var empty = sigset_t()
        var saved = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
    }

    static func stop(_ process: Process, grace: Duration) {
        // isRunning is false once Foundation has reaped the child, after which the PID may
        // belong to someone else: never signal it then.
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: grace)
        while process.isRunning && clock.now < deadline { usleep(5_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A process started in the background (normally inside a namespace) by a `Testbed`, with its
/// output captured to files in the testbed's work directory.
final class BackgroundProcess: CustomStringConvertible {
    let name: String
    let arguments: [String]
    let stdoutURL: URL
    let stderrURL: URL
    private let process: Process
    private let handles: [FileHandle]

    init(name: String, arguments: [String], directory: URL) throws {
        self.name = name
        self.arguments = arguments
        stdoutURL = directory.appendingPathComponent("\(name).out")
        stderrURL = directory.appendingPathComponent("\(name).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: stdoutURL)
        let err = try FileHandle(forWritingTo: stderrURL)
        handles = [out, err]
        process = Process()
        process.executableURL = Command.executable(arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try ProcessControl.launch(process)
    }

    /// The PID (with `ip netns exec`, the command itself: ip execs it after setns).
    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    /// Exit status, nil while running.
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    /// Complete lines of standard output so far (a line still being written is left out).
    var stdoutLines: [String] {
        let text = stdout
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        if !text.hasSuffix("\n"), !lines.isEmpty { lines.removeLast() }
        return lines
    }

    /// Waits up to `timeout` for the process to exit; returns its status, nil if still running.
    @discardableResult
    func waitForExit(timeout: Duration) -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while process.isRunning && clock.now < deadline { usleep(5_000) }
        return exitStatus
    }

    /// SIGTERM, then SIGKILL after `grace`; only signals our own child, by PID, while it runs.
    func stop(grace: Duration = .seconds(2)) {
        ProcessControl.stop(process, grace: grace)
        for handle in handles { try? handle.close() }
    }

    var description: String {
        "\(name) [pid \(pid), \(isRunning ? "running" : "exit \(process.terminationStatus)")]: \(arguments.joined(separator: " "))"
            + (stdout.isEmpty ? "" : "\n[stdout]\n\(stdout)") + (stderr.isEmpty ? "" : "\n[stderr]\n\(stderr)")
    }
}
