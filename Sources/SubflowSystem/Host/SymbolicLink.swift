/// readlink(2) for a path such as /proc/self/exe.
public enum SymbolicLink {
    public static func destination(_ path: String) throws(SystemError) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { system_readlink(path, $0) }
        guard n >= 0 else { throw SystemError.last("readlink", path) }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }
}
