import SubflowFormats
import SubflowSystem

/// Small text renderings shared by the control commands.
enum ControlText {
    /// `42.5s`, `3m 07s`, `2h 05m 09s`, `3d 04h 05m`.
    static func duration(_ seconds: Double) -> String {
        guard seconds >= 60 else { return "\(Double(Int(seconds * 10)) / 10)s" }
        let total = Int(seconds)
        let (days, hours, minutes, rest) = (total / 86_400, total / 3_600 % 24, total / 60 % 60, total % 60)
        if days > 0 { return "\(days)d \(two(hours))h \(two(minutes))m" }
        if hours > 0 { return "\(hours)h \(two(minutes))m \(two(rest))s" }
        return "\(minutes)m \(two(rest))s"
    }

    /// `{"address":"198.18.1.1","port":40000}` → `198.18.1.1:40000`; IPv6 in brackets; the bare
    /// address for port 0.
    static func endpoint(_ value: JSONValue?) -> String {
        let address = value?["address"]?.stringValue ?? "?"
        let port = value?["port"]?.intValue ?? 0
        if port == 0 { return address }
        return address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// Seconds since the epoch → `HH:MM:SS.mmm` (UTC), the monitor's time stamps.
    static func timeOfDay(_ epochSeconds: Double?) -> String {
        guard let epochSeconds else { return "--:--:--.---" }
        let milliseconds = Int64(epochSeconds * 1000) % 86_400_000
        let (h, m, s, ms) = (
            milliseconds / 3_600_000, milliseconds / 60_000 % 60, milliseconds / 1000 % 60, milliseconds % 1000
        )
        return "\(two(Int(h))):\(two(Int(m))):\(two(Int(s))).\(String(1000 + ms).dropFirst())"
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// `name 3, other 5` for the non-zero entries of a JSON object of counts.
    static func counts(_ object: JSONObject?) -> String {
        let entries = (object?.entries ?? []).filter { ($0.value.intValue ?? 0) != 0 }
        return entries.isEmpty ? "none" : entries.map { "\($0.key) \($0.value.intValue ?? 0)" }.joined(separator: ", ")
    }
}
