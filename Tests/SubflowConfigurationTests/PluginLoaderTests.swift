import Foundation
import Logging
import SubflowConfiguration
import SubflowCore
import SubflowPolicy
import SubflowSimulation
import Testing

@testable import SubflowTestSupport

/// The loader against real shared objects: the shipped fullmesh plugin and the deliberately
/// broken fixtures under Tests/Fixtures/plugins, all built by `swift build`.
@Suite(.serialized) struct PluginLoaderTests {
    func reason(_ body: () throws -> Void) -> PluginLoadError.Reason? {
        do { try body() } catch let error as PluginLoadError { return error.reason } catch { return nil }
        return nil
    }

    @Test func loadsTheShippedFullmeshPlugin() throws {
        let dir = try PluginDirectory(["fullmesh.so": "libfullmesh.so"])
        let (registration, path) = try PluginLoader(directory: dir.path).load(policyNamed: "fullmesh")
        #expect(registration.name == "fullmesh" && path == "\(dir.path)/fullmesh.so")
        #expect(PluginLoader(directory: dir.path).availablePolicyNames() == ["fullmesh"])
    }

    @Test func refusesAPluginBuiltForAnotherABIVersionBeforeCallingIntoIt() throws {
        // The fixture's registration entry point traps if called: reaching it fails the test run.
        let dir = try PluginDirectory(["wrong-abi.so": "libfixture-wrong-abi.so"])
        let error = #expect(throws: PluginLoadError.self) {
            try PluginLoader(directory: dir.path).load(policyNamed: "wrong-abi")
        }
        #expect(error?.reason == .abiMismatch(plugin: 999, daemon: PolicyABI.version))
        #expect(error?.description.contains("rebuild the plugin") == true)
    }

    @Test func refusesAPluginWithoutItsEntryPoint() throws {
        let dir = try PluginDirectory(["no-entry.so": "libfixture-no-entry.so"])
        #expect(
            reason { _ = try PluginLoader(directory: dir.path).load(policyNamed: "no-entry") } == .missingEntryPoint)
    }

    @Test func refusesAPluginWhoseInitFailsAndSaysWhy() throws {
        let dir = try PluginDirectory(["init-fails.so": "libfixture-init-fails.so"])
        let (registration, path) = try PluginLoader(directory: dir.path).load(policyNamed: "init-fails")
        let manager = PathManager(
            kernel: SimulatedKernel(scheduler: ManualScheduler()), scheduler: ManualScheduler(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let error = #expect(throws: PluginLoadError.self) {
            try manager.load(registration, settings: PolicySettings(), origin: path)
        }
        #expect(error?.description.contains("required setting 'uplink' is missing") == true)
        #expect(error?.description.contains("init-fails.so") == true)
        #expect(manager.policyNames.isEmpty)
    }

    @Test func refusesAPluginFileWritableByOthers() throws {
        let dir = try PluginDirectory(["fullmesh.so": "libfullmesh.so"])
        try dir.chmod("fullmesh.so", 0o757)
        let error = #expect(throws: PluginLoadError.self) {
            try PluginLoader(directory: dir.path).load(policyNamed: "fullmesh")
        }
        #expect(error?.description.contains("writable by others") == true)
        #expect(error?.description.contains("chmod go-w \(dir.path)/fullmesh.so") == true)
    }

    @Test func refusesAPluginDirectoryWritableByItsGroup() throws {
        let dir = try PluginDirectory(["fullmesh.so": "libfullmesh.so"], mode: 0o775)
        let error = #expect(throws: PluginLoadError.self) {
            try PluginLoader(directory: dir.path).load(policyNamed: "fullmesh")
        }
        #expect(error.map { if case .insecure = $0.reason { true } else { false } } == true)
        #expect(error?.path == dir.path)
    }

    @Test func refusesAFileThatIsNotASharedObject() throws {
        let dir = try PluginDirectory([:])
        try Data("not an ELF file".utf8).write(to: URL(fileURLWithPath: "\(dir.path)/garbage.so"))
        try dir.chmod("garbage.so", 0o644)
        let error = #expect(throws: PluginLoadError.self) {
            try PluginLoader(directory: dir.path).load(policyNamed: "garbage")
        }
        #expect(
            error.map { if case .cannotOpen = $0.reason { true } else { false } } == true,
            "\(String(describing: error))")
    }

    @Test func refusesAFileRegisteringAnotherName() throws {
        let dir = try PluginDirectory(["mesh2.so": "libfullmesh.so"])
        #expect(
            reason { _ = try PluginLoader(directory: dir.path).load(policyNamed: "mesh2") }
                == .nameMismatch(requested: "mesh2", registered: "fullmesh"))
    }

    @Test func explainsWhereItLookedForAMissingPlugin() throws {
        let dir = try PluginDirectory([:])
        let error = #expect(throws: PluginLoadError.self) {
            try PluginLoader(directory: dir.path).load(policyNamed: "nope")
        }
        #expect(error?.description.contains("\(dir.path)/nope.so") == true)
        #expect(error?.description.contains("\(dir.path)/libnope.so") == true)
    }

    @Test(arguments: ["../etc/evil", "Full Mesh", ""])
    func refusesPolicyNamesThatAreNotPlainNames(_ name: String) throws {
        let dir = try PluginDirectory([:])
        #expect(reason { _ = try PluginLoader(directory: dir.path).load(policyNamed: name) } == .badName(name))
    }
}
