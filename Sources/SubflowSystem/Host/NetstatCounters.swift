/// The network namespace's extended MIB counters, from `/proc/net/netstat` (the file shows
/// the namespace of the reading process). The kernel prints each group as two lines, names
/// then values: `MPTcpExt: MPCapableSYNRX … AddAddrTx AddAddrTxDrop …` and
/// `MPTcpExt: 0 … 3 0 …`. The values are namespace-wide totals since boot (or since the
/// namespace was created), never per connection.
public enum NetstatCounters {
    public static let path = "/proc/net/netstat"

    /// The counters of one group (e.g. `MPTcpExt`), by name without the group prefix
    /// (`AddAddrTxDrop`). Throws when the file cannot be read; an absent group gives [:].
    public static func read(
        group: String, from path: String = NetstatCounters.path
    ) throws(SystemError) -> [String: UInt64] {
        parse(try TextFile.read(path), group: group)
    }

    /// Parses the file's text: the first line starting with `GROUP:` holds the names, the
    /// next one starting with it the values; pairs whose value is not a number are skipped.
    public static func parse(_ text: String, group: String) -> [String: UInt64] {
        let prefix = group + ":"
        let lines = text.split(separator: "\n").filter { $0.hasPrefix(prefix) }
        guard lines.count >= 2 else { return [:] }
        let names = lines[0].split(separator: " ").dropFirst()
        let values = lines[1].split(separator: " ").dropFirst()
        var counters: [String: UInt64] = [:]
        for (name, value) in zip(names, values) {
            if let number = UInt64(value) { counters[String(name)] = number }
        }
        return counters
    }
}
