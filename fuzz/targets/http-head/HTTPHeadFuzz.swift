import FuzzSupport
import SubflowDaemon

/// The metrics listener's request head: found or not, and the request line split.
@main
enum HTTPHeadFuzz {
    static func main() {
        FuzzDriver.run { bytes in
            guard let head = HTTPRequestHead(bytes) else { return }
            if let request = head.parsed {
                fuzzCheck(
                    !request.method.isEmpty && request.target.hasPrefix("/"),
                    "parsed a request line without method or path")
            }
        }
    }
}
