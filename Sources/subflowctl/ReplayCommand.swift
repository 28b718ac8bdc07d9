import ArgumentParser
import SubflowConfiguration
import SubflowCore
import SubflowPolicy
import SubflowSystem
import SubflowTrace

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Feed a trace through policies against a simulated kernel and print the commands they issue.",
        discussion: """
            The trace goes through the same decoder, state tracking, dispatcher and policy plugins \
            as the live daemon. Time is the recording's: the same trace and policies always print \
            the same commands. Output: one line per command, `+SECONDS POLICY [COMMAND] fields => RESULT`.
            """)

    @Argument(help: "The pcap file to replay.")
    var file: String

    @Option(
        name: .long,
        help:
            "A subflowd configuration file: its policies, rules, policy settings, plugin directories and address filter are used (options below override it)."
    )
    var config: String?

    @Option(name: .long, help: "Policy to load (repeatable; the first is the default).")
    var policy: [String] = []

    @Option(name: .long, help: "Directory of policy plugins (repeatable, searched in order).")
    var pluginDir: [String] = []

    @Option(name: .long, help: "Per-connection rule 'SELECTOR... => POLICY', as for subflowd.")
    var rule: [String] = []

    @Option(name: .customLong("set"), help: "A policy setting [POLICY.]KEY=VALUE, as for subflowd.")
    var settings: [String] = []

    @Flag(name: .long, help: "Print JSON lines instead of text.")
    var json = false

    @Flag(
        name: .long,
        help:
            "Answer commands with the kernel's replies recorded in the trace where the live daemon sent the same command; simulate the rest."
    )
    var recordedReplies = false

    @Option(
        name: .long, help: "Compare the output with this file of expected lines; exit 1 with a diff when they differ.")
    var expect: String?

    @Flag(name: .long, help: "With --expect: write the output to the file instead of comparing.")
    var updateExpectation = false

    @Flag(name: .long, help: "Also print the commands the live daemon sent, as recorded (lines starting with 'live').")
    var showLive = false

    @Option(
        name: .long,
        help: "Replay at N times the recording's speed, from 0.001 to 1000000 (default: as fast as possible).")
    var speed: Double?

    /// Beyond these a replay would wait for ages or not at all; and the wait in microseconds
    /// (recording offset × 1000 / speed) stays far inside UInt64 for any pcap timestamp.
    static let speeds: ClosedRange<Double> = 0.001...1_000_000

    func validate() throws {
        if policy.isEmpty && config == nil { throw ValidationError("missing --policy NAME (or --config FILE)") }
        if updateExpectation && expect == nil { throw ValidationError("--update-expectation needs --expect FILE") }
        if let speed, !Self.speeds.contains(speed) {
            throw ValidationError(
                "--speed \(speed): expected a number from 0.001 to 1000000 (times the recording's speed)")
        }
    }

    func run() throws {
        let records = try TraceFiles.read(file)
        var line = CommandLineSettings()
        line.configFile = config
        line.policies = policy
        line.pluginDirectories = pluginDir
        line.rules = rule
        line.policySettings = settings
        let configuration: Configuration
        do { configuration = try Configuration.resolve(line, defaultFile: nil) } catch {
            throw CleanExit.failure("\(error)")
        }
        guard !configuration.policies.isEmpty else {
            throw CleanExit.failure("\(config ?? "command line"): no policy to replay with")
        }
        let loader = PluginLoader(
            directories: configuration.pluginDirectories.isEmpty
                ? [PluginLoader.defaultDirectory] : configuration.pluginDirectories)
        var policies: [ReplaySession.Policy] = []
        for name in configuration.policies {
            do {
                let (registration, path) = try loader.load(policyNamed: name)
                policies.append(
                    ReplaySession.Policy(
                        registration: registration, settings: configuration.settings(for: name), origin: path))
            } catch { throw CleanExit.failure("\(error)") }
        }
        let rules = configuration.rules.map(\.rule)
        let session = ReplaySession(
            policies: policies, rules: rules, filter: configuration.filter,
            useRecordedReplies: recordedReplies)
        let clockStart = MonotonicClock.nowMicroseconds
        let report: ReplaySession.Report
        do {
            report = try session.run(records) { offset in
                guard let speed else { return }
                let wait = min(Double(offset) * 1000 / speed, Double(UInt64.max / 2))  // pcap offsets are below 2^42 µs
                let due = clockStart + UInt64(wait)
                let now = MonotonicClock.nowMicroseconds
                if due > now { MonotonicClock.blockingSleep(for: .microseconds(min(due - now, 10_000_000))) }
            }
        } catch { throw CleanExit.failure("\(file): \(error)") }
        var lines = report.commands.map { json ? $0.json : $0.line }
        if showLive {
            lines += report.liveCommands.map { "live \(ReplayedCommand.seconds($0.offsetMilliseconds)) \($0.command)" }
        }
        if let expect {
            try Expectation(path: expect).check(lines, update: updateExpectation)
        } else {
            for line in lines { StandardStream.output.writeLine(line) }
        }
    }
}
