/// The name of one netlink attribute, for error messages: its number and, when the caller
/// knows it, its name in the kernel's header ("token" for `MPTCP_ATTR_TOKEN`).
public struct NetlinkAttributeName: Hashable, Sendable, CustomStringConvertible {
    public var type: UInt16
    public var name: String?

    public init(_ type: UInt16, _ name: String? = nil) {
        self.type = type
        self.name = name
    }

    /// `attribute 1 (token)`, or `attribute 1` when the name is unknown.
    public var description: String { name.map { "attribute \(type) (\($0))" } ?? "attribute \(type)" }

    /// `token (1)`, the order used by "missing attribute" messages.
    public var nameFirst: String { name.map { "\($0) (\(type))" } ?? "\(type)" }
}

/// Why bytes could not be decoded. Decoding never traps on malformed input and never reads
/// past the end of its buffer: every problem the codec detects surfaces as one of these.
public struct NetlinkDecodeError: Error, CustomStringConvertible, Hashable, Sendable {
    public enum Reason: Hashable, Sendable {
        /// Fewer bytes than a fixed-size header (`nlmsghdr`, `genlmsghdr`, `ifinfomsg`, ...) needs.
        case truncatedHeader(what: String, needed: Int, available: Int)
        /// `nlmsg_len` smaller than the 16-byte `nlmsghdr` itself.
        case messageLengthTooSmall(length: Int)
        /// `nlmsg_len` larger than what is left of the datagram.
        case messageLengthExceedsData(length: Int, available: Int)
        /// 1 to 3 bytes left where an attribute header (4 bytes) should start.
        case truncatedAttributeHeader(offset: Int, available: Int)
        /// `nla_len` smaller than the 4-byte `nlattr` header.
        case attributeLengthTooSmall(NetlinkAttributeName, offset: Int, length: Int)
        /// `nla_len` larger than what is left of the enclosing message or nest.
        case attributeLengthExceedsData(NetlinkAttributeName, offset: Int, length: Int, available: Int)
        /// A fixed-size attribute whose payload has the wrong size.
        case attributeLength(NetlinkAttributeName, expected: Int, actual: Int)
        /// A string attribute that is empty or not NUL-terminated.
        case unterminatedString(NetlinkAttributeName)
        /// A required attribute is absent.
        case missingAttribute(NetlinkAttributeName)
        /// The message is not of the kind the decoder was asked to read.
        case unexpectedMessageType(UInt16, expected: String)
        /// The bytes are well-formed but carry a value the decoder cannot represent.
        case invalidValue(NetlinkAttributeName?, value: Int64, reason: String)
    }

    public var reason: Reason
    /// Where the problem was found, outermost first ("message 2 of datagram", "SUB_ESTABLISHED").
    public var context: [String]

    public init(_ reason: Reason, context: [String] = []) {
        self.reason = reason
        self.context = context
    }

    /// The same error, with `outer` prepended to its context.
    public func within(_ outer: String) -> NetlinkDecodeError {
        NetlinkDecodeError(reason, context: [outer] + context)
    }

    /// For example `message 2 of datagram: length 40 exceeds the 36 bytes left`.
    public var description: String { (context + [reasonDescription]).joined(separator: ": ") }

    public var reasonDescription: String {
        switch reason {
        case .truncatedHeader(let what, let needed, let available):
            return "\(what) needs \(needed) bytes, only \(available) left"
        case .messageLengthTooSmall(let length):
            return "length \(length) is smaller than the 16-byte netlink header"
        case .messageLengthExceedsData(let length, let available):
            return "length \(length) exceeds the \(available) bytes left"
        case .truncatedAttributeHeader(let offset, let available):
            return "\(available) stray bytes at offset \(offset), too few for an attribute header (4)"
        case .attributeLengthTooSmall(let name, let offset, let length):
            return "\(name) at offset \(offset): length \(length) is smaller than the 4-byte attribute header"
        case .attributeLengthExceedsData(let name, let offset, let length, let available):
            return "\(name) at offset \(offset): length \(length) exceeds the \(available) bytes left"
        case .attributeLength(let name, let expected, let actual):
            return "\(name): expected \(expected) bytes, got \(actual)"
        case .unterminatedString(let name):
            return "\(name): string is empty or not NUL-terminated"
        case .missingAttribute(let name):
            return "missing attribute \(name.nameFirst)"
        case .unexpectedMessageType(let type, let expected):
            return "message type \(type) is not \(expected)"
        case .invalidValue(let name, let value, let why):
            return (name.map { "\($0): " } ?? "") + "value \(value): \(why)"
        }
    }
}
