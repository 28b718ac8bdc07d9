import Glibc

/// What every descriptor-owning type of this module does the same way: write a whole buffer,
/// switch O_NONBLOCK, read at an offset until the end of a file.
extension Descriptor {
    /// How the bytes go out: write(2), or send(2) with MSG_NOSIGNAL for sockets (a peer that
    /// went away then gives EPIPE instead of killing the process with SIGPIPE).
    enum Output { case write, send }

    /// Writes every byte, going on after partial writes and EINTR: the one loop for files,
    /// pipes and stream sockets, so a reader sees whole records. Nil when all was written,
    /// else the errno (EIO for a write that took nothing).
    func writeAll(_ bytes: [UInt8], _ output: Output = .write) -> Errno? {
        var offset = 0
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                retryingOnInterrupt {
                    switch output {
                    case .write: system_write(self, raw.baseAddress! + offset, raw.count - offset)
                    case .send: system_send(self, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    }
                }
            }
            switch result {
            case .success(0): return .ioError
            case .success(let n): offset += n
            case .failure(let error): return error
            }
        }
        return nil
    }

    /// Sets or clears O_NONBLOCK.
    func setNonBlocking(_ on: Bool) -> Errno? {
        let flags = system_fcntl(self, F_GETFL)
        guard flags >= 0 else { return .current }
        let wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        guard system_fcntl(self, F_SETFL, wanted) == 0 else { return .current }
        return nil
    }

    /// Fills `buffer` from `offset` (pread: the file position is not used) until it is full or
    /// the file ends; how many bytes were read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Result<Int, Errno> {
        var done = 0
        while done < buffer.count {
            switch retryingOnInterrupt({
                system_pread(self, buffer.baseAddress! + done, buffer.count - done, offset + done)
            }) {
            case .success(0): return .success(done)
            case .success(let n): done += n
            case .failure(let error): return .failure(error)
            }
        }
        return .success(done)
    }

    /// Opens `path` as a new descriptor.
    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Result<Descriptor, Errno> {
        retryingOnInterrupt { system_open(path, flags, mode) }.map(Descriptor.init(rawValue:))
    }
}
