import SubflowSystem

/// Which processes hold sockets, found the way `ss -p` finds them: every `/proc/PID/fd/*`
/// link that reads `socket:[INODE]`. Reading another user's `/proc/PID/fd` needs root;
/// those processes are counted, never guessed at.
struct SocketOwners {
    struct Owner: Hashable {
        var pid: Int32
        /// `/proc/PID/comm` (at most 15 bytes), "?" when it vanished meanwhile.
        var command: String
    }

    /// For each inode asked for, the processes holding it.
    var owners: [UInt64: Set<Owner>] = [:]
    /// Processes whose descriptors could not be read (permission): one of them may hold an
    /// inode that has no owner here.
    var unreadableProcesses = 0

    /// The distinct processes holding any of the inodes.
    var processes: Set<Owner> { owners.values.reduce(into: []) { $0.formUnion($1) } }

    /// Inodes no readable process holds.
    func unowned(_ inodes: [UInt64]) -> [UInt64] { inodes.filter { owners[$0]?.isEmpty ?? true } }

    /// Scans /proc for the holders of `inodes` (a process that exits meanwhile is skipped).
    static func find(_ inodes: Set<UInt64>, proc: String = "/proc") throws(TableUnreadable) -> SocketOwners {
        var found = SocketOwners()
        guard !inodes.isEmpty else { return found }
        let names: [String]
        do { names = try DirectoryListing.names(in: proc) } catch { throw TableUnreadable("\(error)") }
        for pid in names.compactMap({ Int32($0) }).sorted() {
            let descriptors: [String]
            do { descriptors = try DirectoryListing.names(in: "\(proc)/\(pid)/fd") } catch {
                if error.errno == .permissionDenied || error.errno == .operationNotPermitted {
                    found.unreadableProcesses += 1
                }
                continue
            }
            for descriptor in descriptors {
                guard let target = try? SymbolicLink.destination("\(proc)/\(pid)/fd/\(descriptor)"),
                    let inode = socketInode(target), inodes.contains(inode)
                else { continue }
                found.owners[inode, default: []].insert(Owner(pid: pid, command: command(of: pid, proc: proc)))
            }
        }
        return found
    }

    /// `socket:[7157836]` → 7157836; nil for any other link.
    static func socketInode(_ link: String) -> UInt64? {
        guard link.hasPrefix("socket:["), link.hasSuffix("]") else { return nil }
        return UInt64(link.dropFirst("socket:[".count).dropLast())
    }

    private static func command(of pid: Int32, proc: String) -> String {
        guard let text = try? TextFile.read("\(proc)/\(pid)/comm", limit: 256) else { return "?" }
        return String(text.split(separator: "\n").first ?? "?")
    }
}
