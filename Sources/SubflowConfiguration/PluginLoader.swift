import SubflowCore
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// Finds and opens policy plugins: `<dir>/<name>.so` (or `lib<name>.so`, as SwiftPM names it).
///
/// Before anything in a file runs, the file, its directory and every directory above them
/// must be owned by root (or by the user running subflowd) and writable by nobody else (see
/// TrustedPath): a plugin runs with the daemon's privileges, so whoever can replace it
/// controls the host's network. Then the plugin's ABI version is read and must equal the
/// daemon's; only then is its entry point called.
public struct PluginLoader {
    /// Directories searched in order; the first that holds a file for the policy wins.
    public var directories: [String]

    public init(directory: String) { self.directories = [directory] }

    /// Where plugins are when no directory is given: `../lib/subflowd` beside the running
    /// executable (an installed layout such as /usr/bin + /usr/lib/subflowd), or else the
    /// executable's own directory (a build tree, where SwiftPM puts the plugins).
    public static var defaultDirectory: String {
        let exe = (try? SymbolicLink.destination("/proc/self/exe")) ?? ""
        let bin = exe.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let installed =
            bin.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            + "/lib/subflowd"
        if (try? FileStatus(path: installed))?.isDirectory == true { return installed }
        return bin.isEmpty ? "." : bin
    }
    public init(directories: [String]) { self.directories = directories }

    /// The registration exported by the plugin for `name`, and the file it came from.
    ///
    /// Each directory is opened through TrustedPath (it and every directory above it must
    /// belong to root or the running user and be writable by nobody else); the plugin is
    /// opened from that directory's descriptor by the same rules, and the descriptor that
    /// was checked is the one loaded.
    public func load(
        policyNamed name: String
    ) throws(PluginLoadError) -> (registration: PolicyRegistration, path: String) {
        guard !name.isEmpty,
            name.utf8.allSatisfy({
                ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x5f
            })
        else {
            throw PluginLoadError(path: directories.joined(separator: ":"), reason: .badName(name))
        }
        var searched: [String] = []
        for directory in directories {
            let fileNames = ["\(name).so", "lib\(name).so"]
            searched += fileNames.map { "\(directory)/\($0)" }
            let opened: TrustedDirectory
            do { opened = try TrustedPath.openDirectory(directory) } catch {
                if error.isNotFound { continue }
                throw PluginLoadError(trust: error)
            }
            for fileName in fileNames {
                let file: OpenedFile
                do {
                    guard let found = try opened.openFile(fileName) else { continue }
                    file = found
                } catch {
                    throw PluginLoadError(trust: error)
                }
                let path = "\(directory)/\(fileName)"
                let registration = try open(file, shownAs: path)
                guard registration.name == name else {
                    throw PluginLoadError(
                        path: path, reason: .nameMismatch(requested: name, registered: registration.name))
                }
                return (registration, path)
            }
        }
        throw PluginLoadError(path: directories.joined(separator: ":"), reason: .notFound(searched: searched))
    }

    /// Names of the plugins in the directories (file names without `lib` and `.so`), sorted.
    public func availablePolicyNames() -> [String] {
        let names = directories.flatMap { (try? DirectoryListing.names(in: $0)) ?? [] }
        return Set(
            names.filter { $0.hasSuffix(".so") && !$0.hasPrefix("libSubflowPolicy") && !$0.hasPrefix("libfixture-") }
                .map { name -> String in
                    var n = Substring(name.dropLast(3))
                    if n.hasPrefix("lib") { n = n.dropFirst(3) }
                    return String(n)
                }
        ).sorted()
    }

    /// Loads one checked, open file and runs the checks that need its code: ABI version,
    /// then entry point.
    func open(_ file: OpenedFile, shownAs path: String) throws(PluginLoadError) -> PolicyRegistration {
        let object: SharedObject
        do { object = try SharedObject(file: file) } catch {
            throw PluginLoadError(path: path, reason: .cannotOpen(error.reason))
        }
        guard let version = object.callUInt32(PolicyABI.versionSymbol) else {
            throw PluginLoadError(path: path, reason: .notAPlugin)
        }
        guard version == PolicyABI.version else {
            throw PluginLoadError(path: path, reason: .abiMismatch(plugin: version, daemon: PolicyABI.version))
        }
        guard object.exports(PolicyABI.registrationSymbol) else {
            throw PluginLoadError(path: path, reason: .missingEntryPoint)
        }
        guard let registration = object.takeExportedObject(PolicyABI.registrationSymbol) as? PolicyRegistration else {
            throw PluginLoadError(path: path, reason: .wrongRegistrationType)
        }
        return registration
    }
}

extension PluginLoadError {
    /// A plugin, or a directory on the way to it, that is not trusted.
    init(trust: TrustError) {
        self.init(path: trust.path, reason: .insecure(trust.explanation))
    }
}
