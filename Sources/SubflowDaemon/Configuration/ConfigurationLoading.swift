import SubflowSystem

extension Configuration {
    /// Applies a configuration file on top of `self`. Every problem names the file and line.
    public mutating func apply(fileAt path: String) throws(ConfigurationError) {
        let text: String
        do { text = try TextFile.read(path) } catch {
            throw ConfigurationError(path, nil, "cannot read the configuration: \(error.message)")
        }
        try apply(ConfigFile(path: path, text: text))
    }

    package mutating func apply(_ file: ConfigFile) throws(ConfigurationError) {
        var seen: [String: Int] = [:]
        for entry in file.entries {
            let origin = Origin(path: file.path, line: entry.line)
            if entry.section.hasPrefix("policy.") {
                let policy = String(entry.section.dropFirst("policy.".count))
                guard (try? ConfigurationKeys.policyName(policy)) != nil else {
                    throw ConfigurationError(file.path, entry.line, "[\(entry.section)]: '\(policy)' is not a policy name")
                }
                policySettings[policy, default: [:]][entry.key] = (entry.value, origin)
                continue
            }
            guard let keys = ConfigurationKeys.sections[entry.section] else {
                let known = (Array(ConfigurationKeys.sections.keys) + ["policy.NAME"]).sorted().joined(separator: "], [")
                throw ConfigurationError(file.path, entry.sectionLine, "unknown section [\(entry.section)]: expected [\(known)]")
            }
            guard let key = keys.first(where: { $0.name == entry.key || $0.aliases.contains(entry.key) }) else {
                let names = keys.map(\.name)
                let hint = ConfigurationKeys.suggestion(for: entry.key, among: names + keys.flatMap(\.aliases))
                    .map { "; did you mean '\($0)'?" } ?? "; known keys: \(names.joined(separator: ", "))"
                throw ConfigurationError(file.path, entry.line, "unknown key '\(entry.key)' in [\(entry.section)]\(hint)")
            }
            let id = "\(entry.section).\(key.name)"
            if !key.repeatable, let first = seen[id] {
                throw ConfigurationError(file.path, entry.line, "'\(entry.key)' is set again (first on line \(first)); keep one")
            }
            seen[id] = entry.line
            do { try key.apply(&self, entry.value, origin) } catch {
                throw ConfigurationError(file.path, entry.line, error.message)
            }
        }
    }
}
