import Foundation
import SubflowConfiguration
import SubflowCore
import Testing

@testable import SubflowTestSupport

/// Damaged plugin files are refused before the dynamic linker maps them (issue 8, defect 8:
/// the first 20,000 bytes of libfullmesh.so as a plugin killed subflowd with SIGBUS). Each
/// case would crash this test process if it reached dlopen().
@Suite(.serialized) struct PluginELFCheckTests {
    static let original = "\(BuiltProducts.directory.path)/libfullmesh.so"

    /// A fresh directory holding `bytes` as NAME.so.
    func refusal(_ bytes: [UInt8], name: String = "damaged") throws -> PluginLoadError? {
        let dir = try PluginDirectory([:])
        let file = "\(dir.path)/\(name).so"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        try dir.chmod("\(name).so", 0o644)
        return #expect(throws: PluginLoadError.self) { try PluginLoader(directory: dir.path).load(policyNamed: name) }
    }

    static var originalBytes: [UInt8] { (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: original)))) ?? [] }

    @Test(arguments: [20_000, 1, 15, 16, 63, 64, 200, 4096, 60_000, -1])
    func aTruncatedPluginIsRefusedAndNamed(_ cut: Int) throws {
        let whole = Self.originalBytes
        try #require(whole.count > 60_000, "libfullmesh.so is smaller than expected (\(whole.count) bytes)")
        let length = cut < 0 ? whole.count + cut : cut
        let error = try refusal(Array(whole[0..<length]))
        let text = error.map(\.description) ?? ""
        #expect(text.contains("damaged.so: refused: cannot load it: "), "\(text)")
        #expect(text.contains("truncated") || text.contains("too short"), "cut at \(length): \(text)")
    }

    @Test func aFileThatIsNotELFIsRefused() throws {
        let text = try refusal(Array("#!/bin/sh\necho not a plugin\n".utf8)).map(\.description) ?? ""
        #expect(text.contains("not an ELF file"), "\(text)")
    }

    @Test func aPluginForAnotherMachineIsRefused() throws {
        var bytes = Self.originalBytes
        bytes[18] ^= 0x40  // e_machine, low byte (little-endian hosts; on big-endian hosts the high byte)
        let text = try refusal(bytes).map(\.description) ?? ""
        #expect(text.contains("rebuild it for this machine"), "\(text)")
    }

    @Test func anExecutableInsteadOfASharedObjectIsRefused() throws {
        var bytes = Self.originalBytes
        bytes[16] = 2  // e_type = ET_EXEC
        let text = try refusal(bytes).map(\.description) ?? ""
        #expect(text.contains("not a shared object"), "\(text)")
    }

    @Test func aPluginForTheOtherELFClassIsRefused() throws {
        var bytes = Self.originalBytes
        bytes[4] = bytes[4] == 2 ? 1 : 2  // EI_CLASS
        let text = try refusal(bytes).map(\.description) ?? ""
        #expect(text.contains("-bit"), "\(text)")
    }

    @Test func theWholePluginStillLoads() throws {
        let dir = try PluginDirectory(["whole.so": "libfullmesh.so"])
        let error = #expect(throws: PluginLoadError.self) {
            try PluginLoader(directory: dir.path).load(policyNamed: "whole")
        }
        // It loads and runs: the only complaint is the name it registers.
        #expect(error?.reason == .nameMismatch(requested: "whole", registered: "fullmesh"))
    }
}
