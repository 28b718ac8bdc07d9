import Foundation
import Testing

@testable import SubflowTestSupport

/// The built `subflowd` run as an admin runs it before starting a service: help, version, and
/// `--check-config` on good and bad input. None of it needs root or touches the network: the
/// command line, the file and the plugins are checked before anything else happens.
@Suite(.timeLimit(.minutes(10)))
struct SubflowdCommandLineTests {
    static func subflowd(_ arguments: [String]) throws -> CommandResult {
        try Command.run([try BuiltProducts.subflowd] + arguments, timeout: .seconds(60))
    }

    /// A private configuration file holding `text`, removed when the test ends.
    final class ConfigFile {
        let path: String
        init(_ text: String) throws {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("sfd-e2e-\(getpid())-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: false,
                attributes: [.posixPermissions: 0o700])
            path = directory.appendingPathComponent("subflowd.conf").path
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    }

    @Test func helpListsEveryOptionGroupAndExitsZero() throws {
        let help = try Self.subflowd(["--help"])
        #expect(help.status == 0, "\(help)")
        for option in [
            "--config", "--check-config", "--policy", "--rule", "--plugin-dir", "--set", "--record",
            "--control-socket", "--metrics-listen", "--list-policies", "--set-path-manager",
        ] {
            #expect(help.stdout.contains(option), "\(option) missing from --help")
        }
    }

    @Test func versionNamesTheDaemonAndThePolicyAPI() throws {
        let version = try Self.subflowd(["--version"])
        #expect(version.status == 0, "\(version)")
        #expect(version.stdout.hasPrefix("subflowd ") && version.stdout.contains("(policy API "), "\(version.stdout)")
    }

    @Test func checkConfigAcceptsAGoodFileAndNamesThePolicies() throws {
        let file = try ConfigFile("[core]\npolicy = fullmesh\n[policy.fullmesh]\nmax-subflows = 4\n")
        let check = try Self.subflowd([
            "--config", file.path, "--plugin-dir", BuiltProducts.directory.path, "--check-config",
        ])
        #expect(check.status == 0, "\(check)")
        #expect(check.stdout.contains("configuration is valid: policies fullmesh"), "\(check.stdout)")
    }

    @Test func checkConfigRefusesABadKeyWithItsLineAndStatus78() throws {
        let file = try ConfigFile("[core]\npolicy = fullmesh\nmax-subflow = 4\n")
        let check = try Self.subflowd([
            "--config", file.path, "--plugin-dir", BuiltProducts.directory.path, "--check-config",
        ])
        #expect(check.status == 78, "\(check)")
        #expect(check.stderr.contains("subflowd.conf:3: unknown key 'max-subflow' in [core]"), "\(check.stderr)")
    }

    @Test func theCommandLineOverridesTheFileAndIsCheckedToo() throws {
        let file = try ConfigFile("[core]\npolicy = fullmesh\nlog-level = debug\n")
        let bad = try Self.subflowd([
            "--config", file.path, "--plugin-dir", BuiltProducts.directory.path,
            "--log-level", "loud", "--check-config",
        ])
        #expect(bad.status == 78, "\(bad)")
        #expect(
            bad.stderr.contains("--log-level loud: expected debug, info, notice, warning or error"), "\(bad.stderr)")
        let unknown = try Self.subflowd([
            "--config", file.path, "--plugin-dir", BuiltProducts.directory.path,
            "--policy", "no-such-policy", "--check-config",
        ])
        #expect(unknown.status == 78, "\(unknown)")
        #expect(unknown.stderr.contains("no plugin file for this policy"), "\(unknown.stderr)")
    }

    @Test func noPolicyAnywhereIsAnErrorThatSaysWhereToGiveOne() throws {
        let file = try ConfigFile("[core]\nlog-level = info\n")
        let check = try Self.subflowd(["--config", file.path, "--check-config"])
        #expect(check.status == 78, "\(check)")
        #expect(check.stderr.contains("no policy: give --policy NAME or 'policy = NAME' in [core]"), "\(check.stderr)")
    }
}
