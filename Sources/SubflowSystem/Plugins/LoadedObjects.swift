/// The files mapped into this process by the dynamic linker: the executable, the policy SDK
/// (libSubflowPolicy.so), the Swift runtime, the C libraries — everything ld.so loaded at
/// exec time through RUNPATH before subflowd ran a line of its own.
///
/// Those were loaded before anything could check them, so checking them now cannot stop
/// their code; it stops the daemon from *running* on files (or directories, such as a
/// bundled runtime folder) that someone other than root could have replaced, and it says
/// so, before the next start would load that person's code.
public enum LoadedObjects {
    /// Absolute paths of the files mapped with code in them (/proc/self/maps, executable
    /// mappings), the executable first. A file replaced since it was mapped ("(deleted)")
    /// is left out: what would load next time is its replacement, which is checked when it is.
    public static var paths: [String] {
        var names: [String] = []
        if let exe = try? SymbolicLink.destination("/proc/self/exe") { names.append(exe) }
        let maps = (try? TextFile.read("/proc/self/maps", limit: 16 << 20)) ?? ""
        for line in maps.split(separator: "\n") {
            // address perms offset dev inode path
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[1].contains("x") else { continue }
            let path = fields[5].drop(while: { $0 == " " })
            if path.hasPrefix("/") && !path.hasSuffix(" (deleted)") { names.append(String(path)) }
        }
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }

    /// Every loaded object whose file, or a directory above it, is not trusted by
    /// TrustedPath's rules (owner root or the running user, writable by nobody else).
    public static func untrusted() -> [TrustError] {
        paths.compactMap { path -> TrustError? in
            do throws(TrustError) { _ = try TrustedPath.openFile(path); return nil } catch { return error }
        }
    }
}
