import ArgumentParser
import SubflowDoctor
import SubflowFormats
import SubflowSystem

/// `subflowctl doctor`: why MPTCP does not work here, with the evidence and the fix
/// (docs/troubleshooting.md). It reads and never changes anything.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract:
            "Say why MPTCP does not work on this host: each finding with its evidence and the command that fixes it.",
        discussion: """
            Exit status: 0 nothing wrong (information only), 1 warnings, 2 problems. Checks that \
            cannot be made (not root, a tool missing) are listed as skipped, never guessed.
            """)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Look into this named network namespace (/run/netns/NAME) instead of doctor's own.", valueName: "name"))
    var netns: String?

    @Flag(
        name: .long,
        help: "Visit every named network namespace and every namespace a process is in; each finding says which.")
    var allNetns = false

    @Flag(name: .long, help: "Print one JSON object (its shape: docs/troubleshooting.md).")
    var json = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also compare the MPTCP and TCP counters over this many seconds (1-3600) while traffic runs, and explain every fault counter that rose.",
            valueName: "seconds"))
    var watch: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also open an MPTCP connection to ADDRESS:PORT and try a join from every other local address: per path, MP_CAPABLE accepted or fallen back, join established, refused or timed out, RTT, counters moved.",
            valueName: "address:port"))
    var probe: String?

    func validate() throws {
        if allNetns && netns != nil { throw ValidationError("--netns and --all-netns exclude each other") }
        if allNetns && (watch != nil || probe != nil) {
            throw ValidationError(
                "--watch and --probe look at one namespace: use them with --netns NAME, not --all-netns")
        }
        if let probe, ProbeTarget.parse(probe) == nil {
            throw ValidationError("--probe \(InputExcerpt.of(probe)): \(ProbeTarget.usage)")
        }
        if let watch, !CounterWatch.allowedSeconds.contains(watch) {
            throw ValidationError(
                "--watch \(watch): expected a number of seconds from \(CounterWatch.allowedSeconds.lowerBound) to \(CounterWatch.allowedSeconds.upperBound)"
            )
        }
        if let netns, netns.isEmpty || netns.contains("/") || netns == "." || netns == ".." {
            throw ValidationError(
                "--netns \(InputExcerpt.of(netns)): expected the name of a namespace in /run/netns (ip netns list)")
        }
    }

    func run() throws {
        var report = DoctorReport()
        if let netns {
            do { try NetworkNamespace.enterOnCurrentThread(path: "/run/netns/\(netns)") } catch {
                throw CleanExit.failure(
                    "cannot enter network namespace \(InputExcerpt.of(netns)): \(error) (see ip netns list)")
            }
        }
        if allNetns {
            visitAllNamespaces(into: &report)
        } else {
            Doctor.run(namespace: netns, into: &report)
            if let watch { CounterWatch.run(seconds: watch, namespace: netns, into: &report) }
            if let probe, let target = ProbeTarget.parse(probe) {
                PathProbe.run(target, namespace: netns, into: &report)
            }
        }
        if json {
            StandardStream.output.writeLine(report.json.text)
        } else {
            for line in report.lines { StandardStream.output.writeLine(line) }
        }
        if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
    }

    /// Enters each namespace in turn on this thread (setns) and runs the checks there; a
    /// namespace that vanished since it was listed is a skipped line, not an error.
    private func visitAllNamespaces(into report: inout DoctorReport) {
        let entries = NamespaceDirectory().all(skipped: &report.skipped)
        for entry in entries {
            do { try NetworkNamespace.enterOnCurrentThread(path: entry.path) } catch {
                report.skipped.append(
                    SkippedCheck(
                        check: "all-netns", reason: "cannot enter \(entry.path): \(error) (gone?)",
                        namespace: entry.label))
                continue
            }
            let prefix = entry.name.map { "ip netns exec \($0)" } ?? "nsenter --net=\(entry.path)"
            Doctor.run(namespace: entry.label, fixPrefix: prefix, into: &report)
        }
    }
}
