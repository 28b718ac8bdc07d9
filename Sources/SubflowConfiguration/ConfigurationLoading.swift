import SubflowCore
import SubflowFormats
import SubflowSystem

extension Configuration {
    /// Applies a configuration file on top of `self`. Every problem names the file and line.
    public mutating func apply(fileAt path: String) throws(ConfigurationError) {
        try apply(ConfigFile(path: path, text: try Configuration.readTrusted(path)))
    }

    /// The largest configuration file read (1 MiB): more is refused, never cut.
    public static let maximumFileBytes = 1 << 20

    /// The file's text, if the file is one subflowd may act on: it can set plugin-dir,
    /// record and control-group, so it and every directory above it must be root's (or the
    /// running user's) and writable by nobody else (TrustedPath, the plugins' rule). Opened
    /// without blocking: a FIFO or a device is refused, never waited on.
    static func readTrusted(_ path: String) throws(ConfigurationError) -> String {
        let file: OpenedFile
        do { file = try TrustedPath.openFile(path) } catch {
            if error.isNotFound { throw ConfigurationError(path, nil, "cannot read the configuration: no such file") }
            let component = error.path == path ? "" : "\(excerpt: error.path): "
            throw ConfigurationError(path, nil, "configuration refused: \(component)\(error.explanation)")
        }
        do { return String(decoding: try file.readAll(limit: maximumFileBytes), as: UTF8.self) } catch {
            throw ConfigurationError(path, nil, "cannot read the configuration: \(error.message)")
        }
    }

    package mutating func apply(_ file: ConfigFile) throws(ConfigurationError) {
        var seen: [String: Int] = [:]
        for entry in file.entries {
            let origin = Origin(path: file.path, line: entry.line)
            if entry.section.hasPrefix("policy.") {
                let policy = String(entry.section.dropFirst("policy.".count))
                guard (try? ConfigurationKeys.policyName(policy)) != nil else {
                    throw ConfigurationError(
                        file.path, entry.line, "[\(excerpt: entry.section)]: '\(excerpt: policy)' is not a policy name")
                }
                policySettings[policy, default: [:]][entry.key] = (entry.value, origin)
                continue
            }
            guard let keys = ConfigurationKeys.sections[entry.section] else {
                let known = (Array(ConfigurationKeys.sections.keys) + ["policy.NAME"]).sorted().joined(
                    separator: "], [")
                throw ConfigurationError(
                    file.path, entry.sectionLine, "unknown section [\(excerpt: entry.section)]: expected [\(known)]")
            }
            guard let key = keys.first(where: { $0.name == entry.key || $0.aliases.contains(entry.key) }) else {
                let names = keys.map(\.name)
                let hint =
                    ConfigurationKeys.suggestion(for: entry.key, among: names + keys.flatMap(\.aliases))
                    .map { "; did you mean '\($0)'?" } ?? "; known keys: \(names.joined(separator: ", "))"
                throw ConfigurationError(
                    file.path, entry.line, "unknown key '\(excerpt: entry.key)' in [\(excerpt: entry.section)]\(hint)")
            }
            let id = "\(entry.section).\(key.name)"
            if !key.repeatable, let first = seen[id] {
                throw ConfigurationError(
                    file.path, entry.line, "'\(excerpt: entry.key)' is set again (first on line \(first)); keep one")
            }
            seen[id] = entry.line
            do { try key.apply(&self, entry.value, origin) } catch {
                throw ConfigurationError(file.path, entry.line, error.message)
            }
        }
    }
}
