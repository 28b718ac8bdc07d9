import SubflowSystem

/// Writes everything subflowd receives from and sends to the kernel into a pcap file
/// (LINKTYPE_NETLINK), as it happens.
///
/// Flush policy: each record is written with a single write(2) the moment it is recorded —
/// there is no userspace buffer — so a crash of subflowd loses at most the record being
/// written; only a crash of the whole machine can lose what the page cache still held.
/// Rotation: with `maxBytes`, a file that would grow past it is renamed FILE.1 (FILE.1 to
/// FILE.2, …, keeping `keep` old files) and a new FILE is started. An existing FILE is rotated
/// aside at start, never overwritten.
public final class TraceRecorder {
    public let path: String
    public let maxBytes: Int?
    public let keep: Int
    private var file: AppendOnlyFile?
    /// The first write error; recording stops after it (the daemon goes on).
    public private(set) var failure: SystemError?
    public private(set) var recordsWritten = 0

    public init(path: String, maxBytes: Int? = nil, keep: Int = 3) throws(SystemError) {
        self.path = path
        self.maxBytes = maxBytes
        self.keep = max(1, keep)
        if Files.exists(path) { try rotate() }
        try openFresh()
    }

    /// Records one datagram; returns false once recording has failed (see `failure`).
    @discardableResult
    public func record(_ direction: TraceRecord.Direction, protocol netlinkProtocol: UInt16, _ bytes: [UInt8],
                       at timestamp: UInt64 = WallClock.nowMicroseconds) -> Bool {
        guard failure == nil, let file else { return false }
        let encoded = PcapFormat.record(TraceRecord(timestampMicroseconds: timestamp, direction: direction,
                                                     netlinkProtocol: netlinkProtocol, bytes: bytes))
        do {
            if let maxBytes, file.size + encoded.count > maxBytes, file.size > PcapFormat.globalHeaderLength {
                file.close()
                try rotate()
                try openFresh()
            }
            try self.file?.write(encoded)
            recordsWritten += 1
            return true
        } catch {
            failure = error
            return false
        }
    }

    public func close() { file?.close(); file = nil }

    private func openFresh() throws(SystemError) {
        let file = try AppendOnlyFile(path: path)
        if file.size == 0 { try file.write(PcapFormat.globalHeader()) }
        self.file = file
    }

    private func rotate() throws(SystemError) {
        for index in stride(from: keep - 1, through: 1, by: -1) where Files.exists("\(path).\(index)") {
            try Files.rename("\(path).\(index)", to: "\(path).\(index + 1)")
        }
        try Files.rename(path, to: "\(path).1")
    }
}
