import SubflowPolicy

/// `--probe HOST:PORT`: an IPv4 address and port (`198.18.1.2:5201`) or a bracketed IPv6 one
/// (`[2001:db8:1::2]:5201`). Names are not resolved: the probe tests one path, not DNS.
public enum ProbeTarget {
    public static func parse(_ text: String) -> SocketEndpoint? {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            if host.contains(":") { return nil }  // IPv6 without brackets: the port is ambiguous
        }
        guard let address = IPAddress(String(host)), let number = UInt16(port), number > 0 else { return nil }
        return SocketEndpoint(address, port: number)
    }

    public static let usage = "expected ADDRESS:PORT, e.g. 198.18.1.2:5201 or [2001:db8:1::2]:5201 (no host names)"
}
