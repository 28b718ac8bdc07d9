import SubflowFormats
import SubflowTrace

extension Daemon {
    /// Step 5: with --record, a pcap of every datagram to and from the kernel. A recording
    /// that fails later is reported once and dropped; the daemon goes on without it.
    func startRecorder(_ kernel: KernelInterfaces) throws(StartupFailure) -> TraceRecorder? {
        guard let path = configuration.recordPath else { return nil }
        let recorder: TraceRecorder
        do {
            recorder = try TraceRecorder(
                path: path, maxBytes: configuration.recordMaxBytes, keep: configuration.recordKeep)
            logger.info("recording the kernel conversation to \(excerpt: path)")
        } catch {
            logger.critical("cannot record to \(excerpt: path): \(error)")
            throw StartupFailure(exitStatus: ExitStatus.configurationError)
        }
        var reported = false
        let record = { [logger] (direction: TraceRecord.Direction, netlinkProtocol: UInt16, bytes: [UInt8]) in
            guard !recorder.record(direction, protocol: netlinkProtocol, bytes), !reported else { return }
            reported = true
            logger.error(
                "recording stopped: \(recorder.failure.map { "\($0)" } ?? "write failed"); subflowd goes on without it")
        }
        kernel.link.onRawMessage = { direction, bytes in
            record(direction == .sent ? .sent : .received, TraceRecord.generic, bytes)
        }
        kernel.monitor.onRawMessage = { bytes in record(.received, TraceRecord.route, bytes) }
        return recorder
    }
}
