import Foundation
import SubflowCore
import SubflowPolicy
import Testing

@testable import SubflowConfiguration
@testable import SubflowTestSupport

@Suite struct ConfigurationTests {
    func parse(_ text: String) throws(ConfigurationError) -> Configuration {
        var configuration = Configuration()
        try configuration.apply(ConfigFile(path: "test.conf", text: text))
        return configuration
    }

    func problem(_ text: String) -> String? {
        do { _ = try parse(text); return nil } catch { return error.description }
    }

    @Test func theShippedFileParsesToTheBuiltInDefaults() throws {
        let shipped = try String(
            contentsOfFile: #filePath.replacingOccurrences(
                of: "Tests/SubflowConfigurationTests/ConfigurationTests.swift",
                with: "conf/subflowd.conf"), encoding: .utf8)
        let c = try parse(shipped)
        #expect(c.policies == ["fullmesh"])
        #expect(
            c.livenessIntervalSeconds == 30 && c.logLevel == .info && c.controlSocket == "/run/subflowd/control.sock")
        #expect(c.filter == AddressFilter() && c.rules.isEmpty && c.metricsListen == nil)
    }

    @Test func readsEverySection() throws {
        let c = try parse(
            """
            [core]
            policy = fullmesh
            load-policies = backup-on-loss, signal-per-interface
            plugin-dir = /opt/a:/opt/b
            set-path-manager = yes
            liveness-interval = 5
            log = journal
            log-level = debug
            record = /var/lib/subflowd/t.pcap   # a comment
            record-max-bytes = 100000
            control-socket = none
            metrics-listen = 127.0.0.1:9638
            [network]
            deny-interfaces = docker*, veth*
            families = ipv6
            skip-link-local = no
            [rules]
            rule = side=server => signal-per-interface
            rule = remote=198.18.0.0/15 => backup-on-loss
            [policy.fullmesh]
            max-subflows = 4
            """)
        #expect(c.policies == ["fullmesh", "backup-on-loss", "signal-per-interface"])
        #expect(c.pluginDirectories == ["/opt/a", "/opt/b"] && c.setPathManager && c.livenessIntervalSeconds == 5)
        #expect(c.logTarget == .journal && c.logLevel == .debug && c.recordPath == "/var/lib/subflowd/t.pcap")
        #expect(c.recordMaxBytes == 100_000 && c.controlSocket == nil && c.metricsListen == "127.0.0.1:9638")
        #expect(
            c.filter.denyInterfaces == ["docker*", "veth*"] && c.filter.families == [.ipv6] && !c.filter.skipLinkLocal)
        #expect(c.rules.map(\.rule.policy) == ["signal-per-interface", "backup-on-loss"])
        #expect(c.rules[1].origin.line == 19)
        #expect(c.settings(for: "fullmesh").values == ["max-subflows": "4"])
    }

    @Test func acceptsMptcpdNames() throws {
        let c = try parse(
            """
            # an mptcpd.conf
            [core]
            log=syslog
            plugin-dir=/usr/lib/mptcpd
            path-manager=fullmesh
            load-plugins=fullmesh,backup-on-loss
            notify-flags=existing,skip_link_local,skip_loopback
            """)
        #expect(c.policies == ["fullmesh", "backup-on-loss"] && c.logTarget == .journal)
        #expect(c.filter.skipLinkLocal && c.filter.skipLoopback && c.pluginDirectories == ["/usr/lib/mptcpd"])
        #expect(try parse("[core]\nnotify-flags = existing\n").filter.skipLoopback == false)
    }

    @Test(arguments: [
        ("[core]\npolcy = fullmesh", "test.conf:2: unknown key 'polcy' in [core]; did you mean 'policy'?"),
        ("[core]\nlog-level = loud", "test.conf:2: log-level = loud: expected debug, info, notice, warning or error"),
        ("[core]\nliveness-interval = 0", "test.conf:2: '0': expected a whole number of seconds from 1 to 86400"),
        ("[core]\nset-path-manager = maybe", "test.conf:2: 'maybe' is not yes or no"),
        ("[core]\npolicy = a\npolicy = b", "test.conf:3: 'policy' is set again (first on line 2); keep one"),
        ("[core]\naddr-flags = subflow", "test.conf:2: addr-flags sets mptcpd's in-kernel endpoint flags"),
        ("[network]\nfamilies = ipx", "test.conf:2: families: 'ipx': expected ipv4 and/or ipv6"),
        ("[rules]\nrule = side=sideways => x", "test.conf:2: side=sideways: expected side=client or side=server"),
        ("[colours]\nred = 1", "test.conf:1: unknown section [colours]"),
        ("[core]\njust words", "test.conf:2: 'just words' is not KEY = VALUE"),
        ("[core\npolicy = x", "test.conf:1: malformed section header"),
        (
            "[core]\ncontrol-socket = relative.sock",
            "test.conf:2: control-socket = relative.sock: expected an absolute path, or none"
        ),
    ])
    func namesTheLineAndWhatWouldBeRight(text: String, expected: String) {
        #expect(problem(text)?.hasPrefix(expected) == true, "\(problem(text) ?? "no error")")
    }

    @Test func commandLineOverridesTheFileWhichOverridesDefaults() throws {
        let file = "/tmp/sfd-precedence-\(UInt32.random(in: 0...UInt32.max)).conf"
        try
            "[core]\npolicy = fullmesh\nlog-level = debug\nliveness-interval = 7\n[policy.fullmesh]\nmax-subflows = 4\nretry-limit = 2\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManagerShim.remove(file) }
        var line = CommandLineSettings()  // subflowd --config FILE --log-level warning --set max-subflows=6
        line.configFile = file
        line.logLevel = "warning"
        line.policySettings = ["max-subflows=6"]
        let c = try Configuration.resolve(line, defaultFile: Configuration.defaultPath)
        #expect(c.logLevel == .warning)  // command line over file
        #expect(c.livenessIntervalSeconds == 7)  // file over default
        #expect(c.recordKeep == 3)  // default
        #expect(c.settings(for: "fullmesh").values == ["max-subflows": "6", "retry-limit": "2"])
        #expect(c.policySettings["fullmesh"]?["max-subflows"]?.origin == .commandLine)
        #expect(c.policySettings["fullmesh"]?["retry-limit"]?.origin.line == 7)
    }

    @Test func aMissingExplicitFileIsAnError() throws {
        var line = CommandLineSettings()  // subflowd --config /nonexistent/subflowd.conf
        line.configFile = "/nonexistent/subflowd.conf"
        #expect(throws: ConfigurationError.self) {
            try Configuration.resolve(line, defaultFile: Configuration.defaultPath)
        }
    }
}

enum FileManagerShim {
    static func remove(_ path: String) throws { try FileManager.default.removeItem(atPath: path) }
}
