import ArgumentParser
import SubflowConfiguration
import SubflowFormats
import SubflowSystem

/// `--socket PATH`, shared by the commands that talk to a running subflowd.
struct ControlSocketOption: ParsableArguments {
    static let defaultPath = Configuration.defaultControlSocket

    @Option(name: .long, help: ArgumentHelp("subflowd's control socket (default \(defaultPath)).", valueName: "path"))
    var socket: String = defaultPath
}

/// A conversation with subflowd over its control socket: one JSON request line, one JSON
/// answer line (docs/control.md). Every failure is turned into a message that says what to
/// do and an exit status from sysexits(3).
struct ControlConnection {
    static let answerTimeout: Duration = .seconds(10)
    static let maximumAnswer = 256 << 20

    let client: UnixStreamClient

    /// Connects, or prints why not and exits.
    static func open(_ option: ControlSocketOption) throws(ExitCode) -> ControlConnection {
        do throws(SystemError) {
            return ControlConnection(client: try UnixStreamClient.connect(path: option.socket))
        } catch {
            let path = option.socket
            switch error.errno {
            case .noSuchFileOrDirectory:
                throw failure(
                    "no control socket at \(path): is subflowd running? (it creates the socket when it starts; see its --control-socket)",
                    ExitStatus.unavailable)
            case .permissionDenied, .operationNotPermitted:
                throw failure(
                    "permission denied on \(path): the control socket is for root (and subflowd's own user, or members of its --control-group); run subflowctl as root",
                    ExitStatus.permissionDenied)
            case .connectionRefused:
                throw failure(
                    "nobody listens on \(path): subflowd is not running (the socket file is left from an earlier run)",
                    ExitStatus.unavailable)
            default:
                throw failure("cannot connect to \(path): \(error)", ExitStatus.unavailable)
            }
        }
    }

    /// Sends `{"command": command}` and returns the answer's `result`.
    func request(_ command: String) throws(ExitCode) -> JSONValue {
        do throws(SystemError) {
            try client.sendLine(JSONValue.object(["command": .string(command)]).text)
        } catch {
            // subflowd may have answered and hung up before reading (a refusal): show that.
            let early = (try? client.readLine(timeout: .seconds(1), maximum: Self.maximumAnswer)).flatMap { $0 }
            if let early, let answer = try? JSONParser.parse(early) { return try result(of: answer, command: command) }
            throw failure("cannot send to \(client.path): \(error)", ExitStatus.unavailable)
        }
        return try result(of: readAnswer(), command: command)
    }

    /// The next line from subflowd, parsed; nil at the end of the stream.
    func readLine(timeout: Duration?) throws(ExitCode) -> JSONValue? {
        let line: [UInt8]?
        do throws(SystemError) { line = try client.readLine(timeout: timeout, maximum: Self.maximumAnswer) } catch {
            if error.errno == .timedOut {
                throw failure(
                    "subflowd did not answer within \(Self.answerTimeout) on \(client.path)", ExitStatus.unavailable)
            }
            throw failure("reading from \(client.path): \(error)", ExitStatus.unavailable)
        }
        guard let line else { return nil }
        do throws(JSONParseError) { return try JSONParser.parse(line) } catch {
            throw failure(
                "subflowd sent something that is not JSON (\(error)): \(String(decoding: line.prefix(200), as: UTF8.self))",
                ExitStatus.protocolError)
        }
    }

    private func readAnswer() throws(ExitCode) -> JSONValue {
        guard let answer = try readLine(timeout: Self.answerTimeout) else {
            throw failure("subflowd closed the connection without answering", ExitStatus.unavailable)
        }
        return answer
    }

    /// The `result` of a good answer; a refusal is reported and ends the program.
    func result(of answer: JSONValue, command: String) throws(ExitCode) -> JSONValue {
        guard answer["ok"]?.boolValue == true else {
            let message = answer["error"]?.stringValue ?? answer.text
            let code = answer["code"]?.stringValue == "permission_denied" ? ExitStatus.permissionDenied : 1
            throw failure("subflowd refused '\(command)': \(message)", code)
        }
        guard let result = answer["result"] else {
            throw failure("subflowd's answer has no result: \(answer.text)", ExitStatus.protocolError)
        }
        return result
    }
}

/// Prints `message` on standard error, prefixed with the tool's name, and returns the exit
/// status to throw (ArgumentParser exits with it without printing anything more).
func failure(_ message: String, _ status: Int32) -> ExitCode {
    StandardStream.error.writeLine("subflowctl: \(message)")
    return ExitCode(status)
}
