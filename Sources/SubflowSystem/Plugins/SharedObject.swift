import CMNL
import Glibc
import Synchronization

/// A shared object opened with `dlopen(RTLD_NOW | RTLD_LOCAL)` from a file already open and
/// checked (see TrustedPath), never by a path that could be looked up differently. Symbols are resolved by name
/// and called through the C types the policy ABI defines; nothing Swift-typed is looked up.
///
/// Plugins are never `dlclose`d: Swift metadata and closures from a plugin may still be
/// referenced after its policy stops, so unloading would be unsafe.
public final class SharedObject {
    public let path: String
    private let handle: UnsafeMutableRawPointer

    /// Loads the file that is open, not whatever its path names by now: dlopen() is given
    /// `/proc/self/fd/N`, which the kernel resolves to this very descriptor's file.
    ///
    /// The descriptor then stays open for the life of the process: the dynamic linker knows
    /// the object by that name, and would hand the same object out again for a later
    /// /proc/self/fd/N with the same number. A file already loaded (same device and inode,
    /// e.g. on a reload) is not opened again.
    public init(file: OpenedFile) throws(SharedObjectError) {
        self.path = file.path
        let identity = FileIdentity(device: file.status.device, inode: file.status.inode)
        if let known = SharedObject.loaded.withLock({ $0[identity] }),
            let h = UnsafeMutableRawPointer(bitPattern: known)
        {
            self.handle = h
            return
        }
        do throws(ELFCheck.Problem) { try ELFCheck.validate(file) } catch {
            throw SharedObjectError(path: file.path, reason: error.reason)
        }
        _ = dlerror()
        guard let h = dlopen("/proc/self/fd/\(file.descriptor.rawValue)", RTLD_NOW | RTLD_LOCAL) else {
            throw SharedObjectError(path: file.path, reason: SharedObject.lastError() ?? "dlopen failed")
        }
        _ = file.keepOpenForever()
        SharedObject.loaded.withLock { $0[identity] = Int(bitPattern: h) }
        self.handle = h
    }

    private struct FileIdentity: Hashable { var device: UInt64; var inode: UInt64 }
    /// Objects loaded by descriptor, by file identity (handles as bit patterns: Sendable).
    private static let loaded = Mutex<[FileIdentity: Int]>([:])

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
