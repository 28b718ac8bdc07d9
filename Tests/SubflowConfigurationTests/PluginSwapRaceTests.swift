import Foundation
import SubflowConfiguration
import SubflowCore
import Testing

@testable import SubflowTestSupport

/// The attack of issue 8, defect 3: `--plugin-dir` names a symbolic link that someone flips
/// between a good plugin directory and one holding an intruder whose constructor runs the
/// moment it is mapped. A loader that checks one lookup of the path and loads another runs
/// the intruder (as root). Each test makes a bounded number of loads while the link flips
/// and fails if the intruder's constructor ever ran (it leaves a marker file).
@Suite(.serialized) struct PluginSwapRaceTests {
    static let tries = 2_000
    static let nobody: uid_t = 65534

    /// /tmp/sfd-race-…/{good,evil}: good is root's directory with a copy of fullmesh; evil
    /// holds the intruder under the same name and belongs to `nobody`, as an attacker's would.
    final class Arena {
        let base: String
        let marker: String
        var good: String { base + "/good" }
        var evil: String { base + "/evil" }

        init() throws {
            // Not $TMPDIR: `nobody` must be able to reach it whatever the environment says.
            base = "/tmp/sfd-race-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            marker = base + "/intruder-ran"
            let fm = FileManager.default
            try fm.createDirectory(
                atPath: base, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
            try fm.createDirectory(
                atPath: good, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
            try fm.createDirectory(
                atPath: evil, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
            let build = BuiltProducts.directory.path
            try fm.copyItem(atPath: "\(build)/libfullmesh.so", toPath: "\(good)/fullmesh.so")
            try fm.copyItem(atPath: "\(build)/libfixture-intruder.so", toPath: "\(evil)/fullmesh.so")
            try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(good)/fullmesh.so")
            try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(evil)/fullmesh.so")
            guard chown(evil, PluginSwapRaceTests.nobody, PluginSwapRaceTests.nobody) == 0,
                chown("\(evil)/fullmesh.so", PluginSwapRaceTests.nobody, PluginSwapRaceTests.nobody) == 0
            else {
                throw CocoaError(.fileWriteNoPermission)
            }
            setenv("SUBFLOWD_TEST_INTRUDER_MARKER", marker, 1)
        }

        deinit {
            unsetenv("SUBFLOWD_TEST_INTRUDER_MARKER")
            try? FileManager.default.removeItem(atPath: base)
        }

        var intruderRan: Bool { FileManager.default.fileExists(atPath: marker) }

        /// Loads fullmesh through `link` (inside `base`) up to `tries` times, stopping when the
        /// intruder ran. Each try spells the path differently (more slashes before the link's
        /// name): the dynamic linker hands out an object it has already loaded under the same
        /// name without opening anything, so only a fresh name per try makes every try a first
        /// load, as a fresh `subflowd --check-config` would make it.
        func race(through link: String, tries: Int) -> (tries: Int, good: Int, refusals: [String]) {
            var good = 0
            var refusals: Set<String> = []
            let (parent, name) = (String(link[..<link.lastIndex(of: "/")!]), String(link[link.lastIndex(of: "/")!...]))
            for attempt in 1...tries {
                do {
                    let spelled = parent + String(repeating: "/", count: attempt) + name
                    let (registration, _) = try PluginLoader(directory: spelled).load(policyNamed: "fullmesh")
                    if registration.name == "fullmesh" { good += 1 }
                } catch {
                    refusals.insert(
                        "\(error)".replacingOccurrences(of: "/+", with: "/", options: .regularExpression)
                            .replacingOccurrences(of: base, with: "BASE"))
                }
                if intruderRan { return (attempt, good, refusals.sorted()) }
            }
            return (tries, good, refusals.sorted())
        }
    }

    static var isRoot: Bool { geteuid() == 0 }

    /// A thread flips BASE/link (in root's own directory) between good and evil by renaming a
    /// fresh link over it. The loader must load what it checked: good, or refuse evil (owned by
    /// nobody) — never run the intruder.
    @Test(.enabled(if: isRoot, "needs root: the evil directory must belong to another user (nobody)"))
    func aLinkFlippedDuringTheLoadNeverRunsTheIntruder() throws {
        let arena = try Arena()
        let link = arena.base + "/link"
        let flipping = ManagedAtomicFlag()
        let (good, evil, temporary) = (arena.good, arena.evil, arena.base + "/link.next")
        let flipper = Thread {
            var toEvil = true
            while flipping.isSet {
                unlink(temporary)
                symlink(toEvil ? evil : good, temporary)
                rename(temporary, link)
                toEvil.toggle()
            }
        }
        symlink(arena.good, link)
        flipping.set(true)
        flipper.start()
        let result = arena.race(through: link, tries: PluginSwapRaceTests.tries)
        flipping.set(false)
        while !flipper.isFinished { usleep(1000) }
        #expect(!arena.intruderRan, "the intruder's constructor ran after \(result.tries) loads")
        #expect(result.good > 0, "the good plugin never loaded in \(result.tries) tries: \(result.refusals)")
        print(
            "swap race (thread): \(result.tries) loads, \(result.good) good, intruder ran: \(arena.intruderRan), refusals: \(result.refusals)"
        )
    }

    /// The attack as issue 8 ran it: the link sits in a directory of `nobody`, who flips it
    /// from its own process. A path through a directory another user controls is refused.
    @Test(
        .enabled(
            if: isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
            "needs root and setpriv(1) to flip the link as nobody"))
    func aLinkFlippedByAnotherUserNeverRunsTheIntruder() throws {
        let arena = try Arena()
        let attacker = arena.base + "/attacker"
        try FileManager.default.createDirectory(
            atPath: attacker, withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o755])
        #expect(chown(attacker, PluginSwapRaceTests.nobody, PluginSwapRaceTests.nobody) == 0)
        let link = attacker + "/link"
        let script = """
            cd '\(attacker)' && ln -s '\(arena.good)' link && touch ready && \
            while :; do ln -s '\(arena.evil)' e && mv -T e link; ln -s '\(arena.good)' g && mv -T g link; done
            """
        let flipper = Process()
        flipper.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        flipper.arguments = [
            "--reuid=\(PluginSwapRaceTests.nobody)", "--regid=\(PluginSwapRaceTests.nobody)",
            "--clear-groups", "/bin/sh", "-c", script,
        ]
        try flipper.run()
        defer { flipper.terminate(); flipper.waitUntilExit() }
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: attacker + "/ready") && Date() < deadline { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: attacker + "/ready"), "the flipping process did not start")
        let result = arena.race(through: link, tries: PluginSwapRaceTests.tries)
        #expect(!arena.intruderRan, "the intruder's constructor ran after \(result.tries) loads")
        #expect(result.good == 0, "a plugin was loaded through a directory owned by nobody")
        #expect(
            result.refusals.allSatisfy { $0.contains("BASE/attacker") && $0.contains("uid 65534") },
            "\(result.refusals)")
        print(
            "swap race (nobody): \(result.tries) loads, \(result.good) good, intruder ran: \(arena.intruderRan), refusals: \(result.refusals)"
        )
    }
}

/// A flag shared by the test and its flipping thread.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ newValue: Bool) { lock.lock(); value = newValue; lock.unlock() }
}
