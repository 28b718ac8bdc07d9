import ArgumentParser
import SubflowFormats
import SubflowSystem
import SubflowTrace

/// Reading and writing trace files for the commands, with errors that name the file.
enum TraceFiles {
    static func read(_ path: String) throws -> [TraceRecord] {
        let bytes: [UInt8]
        do { bytes = try Files.readBytes(path) } catch { throw ValidationError("\(excerpt: path): \(error.message)") }
        do { return try PcapReader.records(from: bytes) } catch {
            throw CleanExit.failure("\(excerpt: path): \(error)")
        }
    }

    static func write(_ records: [TraceRecord], to path: String) throws {
        var bytes = PcapFormat.globalHeader()
        for record in records { bytes += PcapFormat.record(record) }
        do { try Files.writeBytes(path, bytes) } catch { throw CleanExit.failure("\(excerpt: path): \(error.message)") }
    }
}

extension CleanExit {
    /// Prints `message` on standard error and exits with status 1.
    static func failure(_ message: String) -> ExitCode {
        StandardStream.error.writeLine("subflowctl: \(message)")
        return ExitCode(1)
    }
}
