import Glibc

/// readlink(2) for a path such as /proc/self/exe.
public enum SymbolicLink {
    public static func destination(_ path: String) throws(SystemError) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        guard n >= 0 else { throw SystemError.last("readlink", path) }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }
}
