import SubflowPolicy
import SubflowSystem

/// Why a plugin was refused. Every case names what to do about it.
public struct PluginLoadError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        case badName(String)
        case notFound(searched: [String])
        case insecure(String)
        case cannotOpen(String)
        case notAPlugin
        case abiMismatch(plugin: UInt32, daemon: UInt32)
        case missingEntryPoint
        case wrongRegistrationType
        case nameMismatch(requested: String, registered: String)
        case duplicateName(String)
        case initFailed(String)
    }

    public var path: String
    public var reason: Reason

    public init(path: String, reason: Reason) { self.path = path; self.reason = reason }

    public var description: String {
        switch reason {
        case .badName(let name):
            return "'\(name)' is not a valid policy name: use lower-case letters, digits, '-' and '_' only"
        case .notFound(let searched):
            return "no plugin file for this policy: looked for \(searched.joined(separator: " and ")); "
                + "check --plugin-dir or run 'subflowd --list-policies'"
        case .insecure(let why):
            return "\(path): refused: \(why)"
        case .cannotOpen(let why):
            return "\(path): refused: cannot load it: \(why)"
        case .notAPlugin:
            return "\(path): refused: not a subflowd policy plugin (it does not export \(PolicyABI.versionSymbol))"
        case .abiMismatch(let plugin, let daemon):
            return "\(path): refused: built against policy API version \(plugin), but this subflowd speaks version "
                + "\(daemon); rebuild the plugin against the SDK of this subflowd"
        case .missingEntryPoint:
            return "\(path): refused: it has no entry point \(PolicyABI.registrationSymbol)(); "
                + "export it with @_cdecl(\"\(PolicyABI.registrationSymbol)\")"
        case .wrongRegistrationType:
            return "\(path): refused: its entry point returned something other than a PolicyRegistration "
                + "(was it linked against its own copy of the SDK instead of libSubflowPolicy.so?)"
        case .nameMismatch(let requested, let registered):
            return "\(path): refused: the file is named for policy '\(requested)' but registers '\(registered)'"
        case .duplicateName(let name):
            return "\(path): refused: a policy named '\(name)' is already loaded"
        case .initFailed(let why):
            return "\(path): refused: the policy failed to start: \(why)"
        }
    }
}

/// Finds and opens policy plugins: `<dir>/<name>.so` (or `lib<name>.so`, as SwiftPM names it).
///
/// Before anything in a file runs, the directory and the file must be owned by root (or by
/// the user running subflowd) and writable by nobody else: a plugin runs with the daemon's
/// privileges, so whoever can replace it controls the host's network. Then the plugin's ABI
/// version is read and must equal the daemon's; only then is its entry point called.
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
        let installed = bin.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/") + "/lib/subflowd"
        if (try? FileStatus(path: installed))?.isDirectory == true { return installed }
        return bin.isEmpty ? "." : bin
    }
    public init(directories: [String]) { self.directories = directories }

    /// The registration exported by the plugin for `name`, and the file it came from.
    public func load(policyNamed name: String) throws(PluginLoadError) -> (registration: PolicyRegistration, path: String) {
        guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x5f }) else {
            throw PluginLoadError(path: directories.joined(separator: ":"), reason: .badName(name))
        }
        var searched: [String] = []
        for directory in directories {
            let candidates = ["\(directory)/\(name).so", "\(directory)/lib\(name).so"]
            searched += candidates
            guard let path = candidates.first(where: { (try? FileStatus(path: $0)) != nil }) else { continue }
            try checkOwnership(of: directory, isDirectory: true)
            try checkOwnership(of: path, isDirectory: false)
            let registration = try open(path)
            guard registration.name == name else {
                throw PluginLoadError(path: path, reason: .nameMismatch(requested: name, registered: registration.name))
            }
            return (registration, path)
        }
        throw PluginLoadError(path: directories.joined(separator: ":"), reason: .notFound(searched: searched))
    }

    /// Names of the plugins in the directories (file names without `lib` and `.so`), sorted.
    public func availablePolicyNames() -> [String] {
        let names = directories.flatMap { (try? DirectoryListing.names(in: $0)) ?? [] }
        return Set(names.filter { $0.hasSuffix(".so") && !$0.hasPrefix("libSubflowPolicy") && !$0.hasPrefix("libfixture-") }
            .map { name -> String in
                var n = Substring(name.dropLast(3))
                if n.hasPrefix("lib") { n = n.dropFirst(3) }
                return String(n)
            }).sorted()
    }

    /// Opens one file and runs the checks that need its code: ABI version, then entry point.
    public func open(_ path: String) throws(PluginLoadError) -> PolicyRegistration {
        let object: SharedObject
        do { object = try SharedObject(path: path) } catch {
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

    private func checkOwnership(of path: String, isDirectory: Bool) throws(PluginLoadError) {
        let status: FileStatus
        do { status = try FileStatus(path: path) } catch {
            throw PluginLoadError(path: path, reason: .cannotOpen(error.description))
        }
        let what = isDirectory ? "directory" : "file"
        if isDirectory && !status.isDirectory {
            throw PluginLoadError(path: path, reason: .insecure("not a directory"))
        }
        if !isDirectory && !status.isRegularFile {
            throw PluginLoadError(path: path, reason: .insecure("not a regular file"))
        }
        let euid = FileStatus.effectiveUID
        if status.ownerUID != 0 && status.ownerUID != euid {
            throw PluginLoadError(path: path, reason: .insecure(
                "the \(what) is owned by uid \(status.ownerUID), not by root or the user running subflowd; fix with: chown root \(path)"))
        }
        if status.isWritableByOthers || status.isWritableByGroup {
            throw PluginLoadError(path: path, reason: .insecure(
                "the \(what) is writable by \(status.isWritableByOthers ? "others" : "its group") (mode \(String(status.mode, radix: 8))); fix with: chmod go-w \(path)"))
        }
    }
}
