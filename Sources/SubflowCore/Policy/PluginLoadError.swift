import SubflowFormats
import SubflowPolicy

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
        // The path and the values quoted come from outside: cut and escaped (InputExcerpt).
        let path = InputExcerpt.of(self.path, limit: 200)
        switch reason {
        case .badName(let name):
            return "'\(excerpt: name)' is not a valid policy name: use lower-case letters, digits, '-' and '_' only"
        case .notFound(let searched):
            return
                "no plugin file for this policy: looked for \(searched.map { InputExcerpt.of($0, limit: 200) }.joined(separator: " and ")); "
                + "check --plugin-dir or run 'subflowd --list-policies'"
        case .insecure(let why):
            return "\(path): refused: \(why)"
        case .cannotOpen(let why):
            return "\(path): refused: cannot load it: \(InputExcerpt.of(why, limit: 400))"
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
            return
                "\(path): refused: the file is named for policy '\(excerpt: requested)' but registers '\(excerpt: registered)'"
        case .duplicateName(let name):
            return "\(path): refused: a policy named '\(name)' is already loaded"
        case .initFailed(let why):
            return "\(path): refused: the policy failed to start: \(InputExcerpt.of(why, limit: 400))"
        }
    }
}
