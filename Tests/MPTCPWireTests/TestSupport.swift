import Foundation
import MPTCPWire
import SubflowPolicy
import SubflowSystem
import Testing

/// Bytes from hex text; whitespace, `|` separators and `// comments` (to end of line) ignored,
/// so golden arrays can be laid out one field per line.
func hex(_ text: String) -> [UInt8] {
    var digits: [UInt8] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        for c in code.unicodeScalars where c.properties.isASCIIHexDigit {
            digits.append(UInt8(String(c), radix: 16)!)
        }
    }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}

func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// One message of a capture file: its `# what=...` comment and its bytes.
struct CapturedMessage: CustomStringConvertible {
    var what: String
    /// `key=value` pairs of the comment line.
    var tags: [String: String]
    var bytes: [UInt8]
    var description: String { what }

    func tag(_ key: String) -> String {
        guard let value = tags[key] else { Issue.record("\(what): no tag \(key)"); return "" }
        return value
    }
    func int(_ key: String) -> Int { Int(tag(key)) ?? -1 }
}

/// The files under Captures/, written by tools/capture/capture_mptcp.py from a real kernel.
enum Captures {
    static var directory: URL {
        Bundle.module.url(forResource: "Captures", withExtension: nil)!
    }

    static func load(_ name: String) throws -> [CapturedMessage] {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        var out: [CapturedMessage] = []
        var pending: (String, [String: String])?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# what=") {
                var tags: [String: String] = [:]
                for field in line.dropFirst(2).split(separator: " ") {
                    let kv = field.split(separator: "=", maxSplits: 1)
                    if kv.count == 2 { tags[String(kv[0])] = String(kv[1]) }
                }
                pending = (tags["what"] ?? "", tags)
            } else if !line.hasPrefix("#"), let (what, tags) = pending {
                out.append(CapturedMessage(what: what, tags: tags, bytes: hex(String(line))))
                pending = nil
            }
        }
        return out
    }

    static func message(_ file: String, _ what: String) throws -> CapturedMessage {
        guard let m = try load(file).first(where: { $0.what == what }) else {
            throw CaptureMissing(file: file, what: what)
        }
        return m
    }

    /// facts.txt: values the capture script read with getsockopt/getsockname.
    static func facts(_ flow: String) throws -> [String: String] {
        let text = try String(contentsOf: directory.appendingPathComponent("facts.txt"), encoding: .utf8)
        for line in text.split(separator: "\n") where line.hasPrefix("flow=\(flow) ") {
            var tags: [String: String] = [:]
            for field in line.split(separator: " ") {
                let kv = field.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { tags[String(kv[0])] = String(kv[1]) }
            }
            return tags
        }
        throw CaptureMissing(file: "facts.txt", what: flow)
    }
}

struct CaptureMissing: Error, CustomStringConvertible {
    var file: String
    var what: String
    var description: String { "\(file): no message \(what) (re-run tools/capture/capture_mptcp.py?)" }
}

/// Parses bytes that must be one netlink message.
func message(_ bytes: [UInt8]) throws -> NetlinkMessage {
    try NetlinkMessage(bytes: bytes)
}

/// The reason of the NetlinkDecodeError `body` throws (nil, with an issue, if none).
func decodeFailure(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> NetlinkDecodeError? {
    do {
        try body()
        Issue.record("expected a NetlinkDecodeError", sourceLocation: sourceLocation)
        return nil
    } catch let error as NetlinkDecodeError {
        return error
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A force-parsed address literal, for tests.
func ip(_ text: String) -> IPAddress { IPAddress(text)! }

/// A force-parsed endpoint, for tests.
func endpoint(_ text: String, _ port: UInt16) -> SocketEndpoint { SocketEndpoint(ip(text), port: port) }
