/// The head of an HTTP/1.x request once it is complete (up to the empty line); only the
/// request line is used. Pure (bytes in, value out), so it is tested and fuzzed on its own.
package struct HTTPRequestHead {
    package let requestLine: String

    /// What the bytes received so far hold.
    package enum Scan {
        /// Not yet a whole head, and no more than the limit so far: read on.
        case incomplete
        /// More than the limit without the end of the head, or a head longer than the limit.
        case tooLarge
        case complete(HTTPRequestHead)
    }

    /// Nil until `bytes` hold a complete head (CRLF CRLF, or LF LF from lax clients).
    package init?(_ bytes: [UInt8]) {
        guard let end = Self.endOfHead(bytes[...]) else { return nil }
        self.init(head: bytes[..<end])
    }

    private init(head: ArraySlice<UInt8>) {
        let line = head.split(separator: 0x0A, maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        requestLine = String(decoding: line.filter { $0 != 0x0D }, as: UTF8.self)
    }

    /// Checks `bytes` against `limit` before anything is accepted: a head whose end lies past
    /// the limit is refused like one that has not ended within it.
    package static func scan(_ bytes: [UInt8], limit: Int) -> Scan {
        guard let end = endOfHead(bytes.prefix(limit + 4)) else {
            return bytes.count > limit ? .tooLarge : .incomplete
        }
        guard end <= limit else { return .tooLarge }
        return .complete(HTTPRequestHead(head: bytes[..<end]))
    }

    /// Method, target and version from `GET /metrics HTTP/1.1`.
    package var parsed: (method: String, target: String)? {
        let words = requestLine.split(separator: " ")
        guard words.count == 3, words[2].hasPrefix("HTTP/1."), words[1].hasPrefix("/") else { return nil }
        return (String(words[0]), String(words[1]))
    }

    /// Index of the line feed that ends the last header line (the empty line follows it).
    private static func endOfHead(_ bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == 0x0A {
                if index + 1 < bytes.endIndex, bytes[index + 1] == 0x0A { return index }
                if index + 2 < bytes.endIndex, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A { return index }
            }
            index += 1
        }
        return nil
    }
}
