import Foundation

/// Bytes from hex text; whitespace, `|` separators and `// comments` (to end of line) ignored,
/// so golden arrays can be laid out one field per line.
public func hex(_ text: String) -> [UInt8] {
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

public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
