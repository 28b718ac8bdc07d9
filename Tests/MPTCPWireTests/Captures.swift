import Foundation
import Testing

@testable import SubflowTestSupport

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
