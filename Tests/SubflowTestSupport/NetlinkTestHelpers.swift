import SubflowSystem
import Testing

/// Parses bytes that must be one netlink message.
public func message(_ bytes: [UInt8]) throws -> NetlinkMessage {
    try NetlinkMessage(bytes: bytes)
}

/// The reason of the NetlinkDecodeError `body` throws (nil, with an issue, if none).
public func decodeFailure(
    _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) -> NetlinkDecodeError? {
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
