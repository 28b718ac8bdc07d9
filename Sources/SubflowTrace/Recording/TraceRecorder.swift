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
///
/// Only recordings are ever moved: FILE and every FILE.N in the way must be regular files
/// starting with the pcap magic, or nothing is renamed and the recorder refuses (a directory,
/// a device, a symbolic link — dangling or not — or the configuration file at that name stay
/// where they are). The directory must be trusted (TrustedPath: subflowd writes there with its
/// privileges); it is opened once and every rename and create goes through its descriptor, a
/// new FILE is created with O_EXCL | O_NOFOLLOW, so never through a link.
public final class TraceRecorder {
    public let path: String
    public let maxBytes: Int?
    public let keep: Int
    private let directory: TrustedDirectory
    private let name: String
    private var file: AppendOnlyFile?
    /// The first write error; recording stops after it (the daemon goes on).
    public private(set) var failure: SystemError?
    public private(set) var recordsWritten = 0

    public init(path: String, maxBytes: Int? = nil, keep: Int = 3) throws(SystemError) {
        self.path = path
        self.maxBytes = maxBytes
        self.keep = max(1, keep)
        let slash = path.lastIndex(of: "/")
        let name = String(slash.map { path[path.index(after: $0)...] } ?? Substring(path))
        guard !name.isEmpty, name != ".", name != ".." else {
            throw SystemError.refused("record", path, "expected the name of a file to record into")
        }
        self.name = name
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        do { directory = try TrustedPath.openDirectory(folder) } catch {
            throw SystemError.refused("record", path, "its directory is refused: \(error)")
        }
        if try directory.entryStatus(name) != nil { try rotate() }
        try openFresh()
    }

    /// Records one datagram; returns false once recording has failed (see `failure`).
    @discardableResult
    public func record(
        _ direction: TraceRecord.Direction, protocol netlinkProtocol: UInt16, _ bytes: [UInt8],
        at timestamp: UInt64 = WallClock.nowMicroseconds
    ) -> Bool {
        guard failure == nil, let file else { return false }
        let encoded = PcapFormat.record(
            TraceRecord(
                timestampMicroseconds: timestamp, direction: direction,
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
        let file = try directory.createForAppending(name)
        try file.write(PcapFormat.globalHeader())
        self.file = file
    }

    /// FILE.keep-1 → FILE.keep, …, FILE → FILE.1, after checking that every one of them that
    /// exists (FILE.keep included: it is replaced) is a recording.
    private func rotate() throws(SystemError) {
        let names = [name] + (1...keep).map { "\(name).\($0)" }
        for candidate in names { try requireRecordingOrNothing(candidate) }
        for index in stride(from: keep - 1, through: 1, by: -1)
        where try directory.entryStatus("\(name).\(index)") != nil {
            try directory.rename("\(name).\(index)", to: "\(name).\(index + 1)")
        }
        try directory.rename(name, to: "\(name).1")
    }

    private func requireRecordingOrNothing(_ candidate: String) throws(SystemError) {
        let shown = directory.pathOf(candidate)
        guard let status = try directory.entryStatus(candidate) else { return }
        func refuse(_ why: String) -> SystemError {
            SystemError.refused(
                "record", shown,
                "\(why): subflowd rotates only its own recordings (pcap files) and leaves anything else alone; "
                    + "record to another file name, or move it away")
        }
        guard status.isRegularFile else { throw refuse("it is \(status.kind), not a recording") }
        let opened: OpenedFile?
        do { opened = try directory.openFile(candidate) } catch {
            throw refuse("it is not a file subflowd may move (\(error.explanation))")
        }
        guard let opened else { return }
        let head = try opened.read(at: 0, count: 4)
        guard head.count == 4, PcapFormat.hasMagic(head) else {
            throw refuse("it is not a pcap recording (it does not start with the pcap magic)")
        }
    }
}
