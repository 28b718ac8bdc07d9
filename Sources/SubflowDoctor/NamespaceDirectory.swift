import SubflowFormats
import SubflowSystem

/// The network namespaces `--all-netns` visits: every named one (`/run/netns/NAME`, what
/// `ip netns` creates) and every one a process is in (`/proc/PID/ns/net`), each once (by the
/// namespace's inode). Unnamed ones are labelled by a process in them: `pid 812 (NetworkManager)`.
public struct NamespaceDirectory {
    public struct Entry: Sendable, Hashable {
        /// For findings: the name, or `pid N (comm)`.
        public var label: String
        /// What to open for setns(2).
        public var path: String
        /// The name for `ip netns exec` in fix commands (nil when the namespace has no name:
        /// then `nsenter --net=PATH`).
        public var name: String?
    }

    public var namedDirectory = "/run/netns"
    public var processDirectory = "/proc"

    public init() {}

    /// Named namespaces first (sorted), then the unnamed ones processes are in (by pid).
    /// `skipped` gets a line for a directory that cannot be read (not root: other users'
    /// /proc/PID/ns are not readable — those processes' namespaces are then not visited).
    public func all(skipped: inout [SkippedCheck]) -> [Entry] {
        var seen: Set<UInt64> = []
        var entries: [Entry] = []
        if let names = try? DirectoryListing.names(in: namedDirectory) {
            for name in names.sorted() {
                let path = "\(namedDirectory)/\(name)"
                guard let inode = try? FileStatus(path: path).inode, seen.insert(inode).inserted else { continue }
                entries.append(Entry(label: name, path: path, name: name))
            }
        }
        let pids: [Int]
        do { pids = try DirectoryListing.names(in: processDirectory).compactMap { Int($0) }.sorted() } catch {
            skipped.append(SkippedCheck(check: "all-netns", reason: "cannot list \(processDirectory): \(error)"))
            return entries
        }
        var unreadable = 0
        for pid in pids {
            let path = "\(processDirectory)/\(pid)/ns/net"
            guard let inode = try? FileStatus(path: path).inode else {
                unreadable += 1
                continue
            }
            guard seen.insert(inode).inserted else { continue }
            let command =
                (try? TextFile.read("\(processDirectory)/\(pid)/comm", limit: 64))?
                .trimmingWhitespace() ?? "?"
            entries.append(Entry(label: "pid \(pid) (\(command))", path: path, name: nil))
        }
        if unreadable > 0 && FileStatus.effectiveUID != 0 {
            skipped.append(
                SkippedCheck(
                    check: "all-netns",
                    reason:
                        "\(unreadable) processes' namespaces could not be read (not root): run doctor as root to visit them"
                ))
        }
        return entries
    }
}
