import SubflowPolicy

/// A force-parsed address literal, for tests.
public func ip(_ text: String) -> IPAddress { IPAddress(text)! }

/// A force-parsed endpoint, for tests.
public func endpoint(_ text: String, _ port: UInt16) -> SocketEndpoint { SocketEndpoint(ip(text), port: port) }
