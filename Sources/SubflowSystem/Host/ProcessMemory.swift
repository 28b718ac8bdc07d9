/// This process's memory use, from /proc/self/status.
public enum ProcessMemory {
    /// Resident set size in kilobytes (VmRSS), or nil if /proc is unavailable.
    public static var residentKilobytes: Int? {
        guard let status = try? TextFile.read("/proc/self/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.dropFirst(6).filter(\.isNumber))
        }
        return nil
    }
}
