import Foundation

/// Starting subflowd inside a test namespace.
extension Testbed {
    /// Starts `subflowd --policy POLICY` (plugins from the build folder) in `namespace` and
    /// returns once it logged that it is ready (kernel link up, network dump done).
    func startDaemon(
        in namespace: String, policy: String = "fullmesh", _ extra: [String] = [],
        name: String = "subflowd"
    ) throws -> BackgroundProcess {
        var arguments =
            [
                try BuiltProducts.subflowd, "--policy", policy,
                "--plugin-dir", BuiltProducts.directory.path, "--log-level", "debug",
            ] + extra
        // Daemons of concurrent tests must not fight over the default /run/subflowd/control.sock.
        if !extra.contains("--control-socket") {
            arguments += [
                "--control-socket", workDirectory.appendingPathComponent("\(name)-\(namespace.suffix(6)).sock").path,
            ]
        }
        let daemon = try spawn(namespace, arguments, name: name)
        try waitUntil(
            "subflowd ready", timeout: .seconds(10),
            observe: { (daemon.stderr, daemon.isRunning) },
            until: { $0.0.contains("ready in") || !$0.1 })
        guard daemon.isRunning else {
            throw DaemonDidNotStart(log: daemon.stderr)
        }
        return daemon
    }
}

struct DaemonDidNotStart: Error, CustomStringConvertible {
    var log: String
    var description: String { "subflowd exited before it was ready:\n\(log)" }
}
