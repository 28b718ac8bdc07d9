import CMNL
import Glibc

/// A shared object opened with `dlopen(RTLD_NOW | RTLD_LOCAL)`. Symbols are resolved by name
/// and called through the C types the policy ABI defines; nothing Swift-typed is looked up.
///
/// Plugins are never `dlclose`d: Swift metadata and closures from a plugin may still be
/// referenced after its policy stops, so unloading would be unsafe.
public final class SharedObject {
    public let path: String
    private let handle: UnsafeMutableRawPointer

    /// Opens the file; the error carries `dlerror()`'s text (missing dependency, wrong ELF class, …).
    public init(path: String) throws(SharedObjectError) {
        _ = dlerror()
        guard let h = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw SharedObjectError(path: path, reason: SharedObject.lastError() ?? "dlopen failed")
        }
        self.path = path
        self.handle = h
    }

    /// Calls the exported `() -> UInt32` function `symbol`, or returns nil if it is not exported.
    public func callUInt32(_ symbol: String) -> UInt32? {
        guard let f = dlsym(handle, symbol) else { return nil }
        typealias Fn = @convention(c) () -> UInt32
        return unsafeBitCast(f, to: Fn.self)()
    }

    /// True if the object exports `symbol`.
    public func exports(_ symbol: String) -> Bool { dlsym(handle, symbol) != nil }

    /// Calls the exported `() -> void *` function `symbol` that hands over a retained Swift
    /// object (see PolicyABI.export), and takes ownership of it. Nil if not exported.
    public func takeExportedObject(_ symbol: String) -> AnyObject? {
        guard let f = dlsym(handle, symbol) else { return nil }
        typealias Fn = @convention(c) () -> UnsafeMutableRawPointer?
        guard let raw = unsafeBitCast(f, to: Fn.self)() else { return nil }
        return Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue()
    }

    private static func lastError() -> String? {
        guard let e = dlerror() else { return nil }
        return String(cString: e)
    }
}

public struct SharedObjectError: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}
