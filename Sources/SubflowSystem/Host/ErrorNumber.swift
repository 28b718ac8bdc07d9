import Glibc

/// errno values that code outside this module names (it does not import Glibc).
public enum ErrorNumber {
    /// The kernel dropped netlink messages: the receive buffer was full.
    public static let noBufferSpace: Int32 = ENOBUFS
    public static let timedOut: Int32 = ETIMEDOUT
}
