import FuzzSupport
import SubflowFormats
import SubflowSystem

/// The control socket's JSON parser: what parses, written out, parses to the same value.
@main
enum JSONFuzz {
    static func main() {
        FuzzDriver.run { bytes in
            guard let value = try? JSONParser.parse(bytes) else { return }
            let text = value.text
            do {
                let again = try JSONParser.parse(text)
                fuzzCheck(again == value, "JSON does not round-trip: \(text)")
            } catch {
                fuzzCheck(false, "JSON written by JSONValue does not parse: \(error)")
            }
        }
    }
}
