import ArgumentParser
import SubflowFormats
import SubflowSystem

extension ParsableCommand {
    /// `main()`, except that an error message is printed through InputExcerpt line by line:
    /// ArgumentParser quotes a bad argument whole ("The value '…' is invalid for
    /// '--liveness-interval'"), and an argument may be 128 KB of anything, NUL and terminal
    /// escapes included. Help and version output are printed as they are.
    public static func mainQuotingInputSafely() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            let message = fullMessage(for: error)
            if !message.isEmpty {
                for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
                    StandardStream.error.writeLine(InputExcerpt.of(line, limit: 300))
                }
            }
            exit(withError: ExitCode(code.rawValue))
        }
    }
}
