import Foundation
import Testing

/// True when the tests run as root (needed for namespaces). Use with
/// `.enabled(if: isRoot, "needs root: real-kernel test in network namespaces")`.
let isRoot = getuid() == 0

/// The condition comment every real-kernel suite uses.
let needsRootComment: Comment = "needs root: real-kernel test in network namespaces"

/// Executables built by the same `swift build`/`swift test` as the test bundle.
enum BuiltProducts {
    /// `$SUBFLOWD_BIN_DIR` if set, else the directory of the running test executable
    /// (`.build-*/<triple>/debug/`, via /proc/self/exe).
    static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["SUBFLOWD_BIN_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent()
    }

    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "\(path) not found: build it first (swift build --scratch-path <same as the tests>) or set SUBFLOWD_BIN_DIR"
        }
    }

    /// Absolute path of the product `name` (e.g. `subflow-traffic`, `subflowd`).
    static func path(_ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw Missing(path: path) }
        return path
    }

    static var subflowTraffic: String { get throws { try path("subflow-traffic") } }
    static var subflowd: String { get throws { try path("subflowd") } }
}

extension BuiltProducts {
    /// Runs the built `subflowctl` with `arguments` and waits for it (at most 60 s, scaled
    /// like every wait under load).
    static func subflowctl(_ arguments: [String]) throws -> CommandResult {
        try Command.run([try path("subflowctl")] + arguments, timeout: .seconds(60))
    }
}
