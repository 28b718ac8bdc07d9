import Foundation
import SubflowConfiguration
import SubflowCore
import SubflowPolicy
import SubflowTrace
import Testing

@testable import SubflowTestSupport

/// Every `Scenarios/<policy>/<name>.scenario` is built into a trace, replayed through the
/// policy's real plugin (the .so beside the test binary), and its commands compared with
/// `<name>.expected`. Set SUBFLOWD_UPDATE_EXPECTATIONS=1 to re-record the expected files
/// (then review the diff before committing).
@Suite struct ScenarioLibraryTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scenarios")

    static var scenarios: [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        return (enumerator?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".scenario") }.sorted()
    }

    /// A scenario may start with `# settings: KEY=VALUE ...` for its policy.
    static func settings(in text: String) -> PolicySettings {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("# settings:") }) else {
            return PolicySettings()
        }
        var values: [String: String] = [:]
        for pair in line.dropFirst("# settings:".count).split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        return PolicySettings(values)
    }

    static func replay(_ text: String, policy: String) throws -> [String] {
        let (registration, path) = try PluginLoader(directory: BuiltProducts.directory.path).load(policyNamed: policy)
        let session = ReplaySession(policies: [
            ReplaySession.Policy(
                registration: registration, settings: settings(in: text),
                origin: path)
        ])
        return try session.run(try Scenario.build(text)).commands.map(\.line)
    }

    @Test(arguments: scenarios)
    func replaysToItsExpectedCommands(_ scenario: String) throws {
        let policy = String(scenario.split(separator: "/").first ?? "")
        let source = Self.folder.appendingPathComponent(scenario)
        let expectedFile = source.deletingPathExtension().appendingPathExtension("expected")
        let lines = try Self.replay(try String(contentsOf: source, encoding: .utf8), policy: policy)
        if ProcessInfo.processInfo.environment["SUBFLOWD_UPDATE_EXPECTATIONS"] == "1" {
            try lines.map { $0 + "\n" }.joined().write(to: expectedFile, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedFile, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == expected, "\(scenario): replayed\n\(lines.joined(separator: "\n"))")
    }

    @Test func theLibraryCoversEveryShippedPolicy() {
        let covered = Set(Self.scenarios.map { String($0.split(separator: "/")[0]) })
        for policy in ["fullmesh", "signal-per-interface", "backup-on-loss"] {
            #expect(covered.contains(policy), "no scenario for \(policy)")
        }
    }

    @Test func replayIsDeterministic() throws {
        let text = try String(
            contentsOf: Self.folder.appendingPathComponent("fullmesh/retry-backoff.scenario"), encoding: .utf8)
        let first = try Self.replay(text, policy: "fullmesh")
        for _ in 0..<5 { #expect(try Self.replay(text, policy: "fullmesh") == first) }
        #expect(!first.isEmpty)
    }
}
