import Foundation
import Testing

@testable import SubflowTestSupport

/// subflowd as an administrator gets it: `make install` / `make uninstall`, `make deb`, the
/// systemd unit and the man pages.
///
/// Everything is installed from the products of this very build (`BuiltProducts`), so these
/// tests compile nothing. `SUBFLOWD_PACKAGING_RELEASE=1` makes the package test run a plain
/// `make deb` instead — a release build of its own (scratch path `.build-packaging`), as a
/// release is made; that adds the release build's time (one to a few minutes) to the run.
@Suite(.serialized, .timeLimit(.minutes(15)))
struct PackagingTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let plugins = ["fullmesh", "signal-per-interface", "backup-on-loss"]
    static let manPages = ["man8/subflowd.8", "man8/subflowctl.8", "man5/subflowd.conf.5"]

    // MARK: The systemd unit

    /// The shipped unit passes `systemd-analyze verify` (with ExecStart= pointed at the built
    /// daemon and the man pages of Documentation= findable), says what the packaging promises,
    /// and stays hardened: `systemd-analyze security` rates it at most 2.5.
    @Test func unitVerifiesAndStaysHardened() throws {
        let scratch = try Scratch()
        let unitText = try String(
            contentsOf: Self.repository.appendingPathComponent("conf/subflowd.service"), encoding: .utf8)
        for line in [
            "Type=notify", "ExecStart=/usr/bin/subflowd --config /etc/subflowd/subflowd.conf",
            "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure", "RestartPreventExitStatus=77 78",
            "WatchdogSec=30", "LimitNOFILE=4096", "RuntimeDirectory=subflowd", "StateDirectory=subflowd",
            "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE", "NoNewPrivileges=yes",
            "ProtectSystem=strict", "ProtectKernelTunables=yes", "ReadWritePaths=-/proc/sys/net/mptcp",
            "MemoryDenyWriteExecute=yes", "SystemCallFilter=@system-service", "Before=network.target",
            "RestrictAddressFamilies=AF_NETLINK AF_UNIX AF_INET AF_INET6", "WantedBy=multi-user.target",
        ] {
            #expect(unitText.split(separator: "\n").contains(Substring(line)), "conf/subflowd.service lacks '\(line)'")
        }
        let settings = unitText.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(
            !settings.contains {
                $0.hasPrefix("ProcSubset=") || $0.hasPrefix("PrivateNetwork=") || $0.hasPrefix("PrivateUsers=")
            },
            "subflowd reads /proc/sys and manages the host's network namespace with its own CAP_NET_ADMIN")

        let man = scratch.url.appendingPathComponent("man")
        for page in Self.manPages {
            let target = man.appendingPathComponent(page + ".gz")
            try FileManager.default.createDirectory(
                at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Command.check([
                "sh", "-c", "gzip -9n -c \"$1\" > \"$2\"", "sh",
                Self.repository.appendingPathComponent("man/" + URL(fileURLWithPath: page).lastPathComponent).path,
                target.path,
            ])
        }
        let unit = scratch.url.appendingPathComponent("subflowd.service")
        try unitText.replacingOccurrences(of: "/usr/bin/subflowd", with: try BuiltProducts.subflowd)
            .replacingOccurrences(
                of: "/etc/subflowd/subflowd.conf",
                with: Self.repository.appendingPathComponent("conf/subflowd.conf").path
            )
            .write(to: unit, atomically: true, encoding: .utf8)
        try Self.verifyUnit(unit, manPath: man)

        let security = try Command.check(["systemd-analyze", "security", "--offline=yes", unit.path])
        let score = security.stdout.split(separator: "\n").last { $0.contains("Overall exposure level") }
            .flatMap { line in line.split(separator: " ").compactMap { Double($0) }.first }
        let exposure = try #require(score, "no exposure level in:\n\(security.stdout)")
        #expect(exposure <= 2.5, "the unit's exposure level rose to \(exposure):\n\(security.stdout)")
    }

    // MARK: make install / make uninstall

    /// `make install DESTDIR=… PREFIX=/usr` puts every file in its place, with its mode and a
    /// RUNPATH that finds libSubflowPolicy.so and the bundled Swift runtime; the installed
    /// daemon finds its plugins and checks the installed configuration; the installed unit
    /// verifies; a changed configuration survives a reinstall; `make uninstall` removes the rest.
    @Test func makeInstallPutsEveryFileInPlaceAndUninstallRemovesThem() throws {
        let scratch = try Scratch()
        let dest = scratch.url.appendingPathComponent("dest").path
        let make = [
            "make", "-s", "--no-print-directory", "-C", Self.repository.path, "DESTDIR=\(dest)", "PREFIX=/usr",
            "BIN_DIR=\(BuiltProducts.directory.path)",
        ]
        try Command.check(make + ["install"], timeout: .seconds(180))

        let swiftLibraries = try Self.installedFiles(under: dest + "/usr/lib/subflowd/swift")
        #expect(
            swiftLibraries.contains("libswiftCore.so") && swiftLibraries.contains("LICENSE.txt")
                && swiftLibraries.contains("VERSION"), "\(swiftLibraries)")
        var expected: Set<String> = [
            "usr/bin/subflowd", "usr/bin/subflowctl", "usr/lib/subflowd/libSubflowPolicy.so",
            "usr/lib/subflowd/tools/subflow-traffic", "etc/subflowd/subflowd.conf",
            "lib/systemd/system/subflowd.service", "usr/share/doc/subflowd/README.md",
            "usr/share/doc/subflowd/install.md", "usr/share/doc/subflowd/control.md",
            "usr/share/doc/subflowd/security.md", "usr/share/doc/subflowd/troubleshooting.md",
            "usr/share/doc/subflowd/examples/90-subflowd.conf",
            "usr/share/doc/subflowd/examples/control-group.conf",
        ]
        expected.formUnion(Self.plugins.map { "usr/lib/subflowd/\($0).so" })
        expected.formUnion(Self.manPages.map { "usr/share/man/\($0).gz" })
        expected.formUnion(swiftLibraries.map { "usr/lib/subflowd/swift/\($0)" })
        for command in ["subflowd", "subflowctl"] {
            expected.formUnion([
                "usr/share/bash-completion/completions/\(command)", "usr/share/zsh/vendor-completions/_\(command)",
                "usr/share/fish/vendor_completions.d/\(command).fish",
            ])
        }
        let installed = try Self.installedFiles(under: dest)
        #expect(
            installed == expected,
            "missing: \(expected.subtracting(installed).sorted()); unexpected: \(installed.subtracting(expected).sorted())"
        )

        // The bash completion loads and offers subflowctl's subcommands.
        let completion = dest + "/usr/share/bash-completion/completions/subflowctl"
        let offered = try Command.check([
            "bash", "-c",
            "source \"$1\" && COMP_WORDS=(subflowctl st) COMP_CWORD=1 COMP_LINE='subflowctl st' COMP_POINT=13 && $(complete -p subflowctl | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p') && printf '%s\\n' \"${COMPREPLY[@]}\"",
            "bash", completion,
        ])
        #expect(offered.stdout.split(separator: "\n").contains("status"), "\(offered)")

        // Modes: nothing writable by group or others (subflowd refuses such plugins).
        for file in installed {
            let mode = try Self.mode(dest + "/" + file)
            let executable = file.hasPrefix("usr/bin/") || file.hasSuffix("/subflow-traffic")
            #expect(mode == (executable ? 0o755 : 0o644), "\(file): mode \(String(mode, radix: 8))")
        }
        for directory in ["usr/lib/subflowd", "usr/lib/subflowd/swift", "etc/subflowd"] {
            #expect(try Self.mode(dest + "/" + directory) == 0o755, "\(directory)")
        }

        try Self.checkLinking(
            root: dest,
            files: installed.filter {
                $0.hasPrefix("usr/bin/") || $0.hasSuffix(".so") || $0.hasSuffix("/subflow-traffic")
            })
        try Self.checkDaemonRuns(root: dest)

        // The unit points at the installed paths and verifies with the installed man pages.
        let unitText = try String(contentsOfFile: dest + "/lib/systemd/system/subflowd.service", encoding: .utf8)
        #expect(unitText.contains("\nExecStart=/usr/bin/subflowd --config /etc/subflowd/subflowd.conf\n"))
        let unit = scratch.url.appendingPathComponent("subflowd.service")
        try unitText.replacingOccurrences(of: "/usr/bin/subflowd", with: dest + "/usr/bin/subflowd")
            .replacingOccurrences(of: "/etc/subflowd/", with: dest + "/etc/subflowd/")
            .write(to: unit, atomically: true, encoding: .utf8)
        try Self.verifyUnit(unit, manPath: URL(fileURLWithPath: dest + "/usr/share/man"))

        // A reinstall keeps a changed configuration; uninstall keeps it too, and says so.
        let conf = dest + "/etc/subflowd/subflowd.conf"
        try (String(contentsOfFile: conf, encoding: .utf8) + "\n[policy.fullmesh]\nmax-subflows = 4\n")
            .write(toFile: conf, atomically: true, encoding: .utf8)
        let changed = try String(contentsOfFile: conf, encoding: .utf8)
        try Command.check(make + ["install"], timeout: .seconds(180))
        #expect(
            try String(contentsOfFile: conf, encoding: .utf8) == changed,
            "make install overwrote a changed configuration")
        let keeping = try Command.check(make + ["uninstall"])
        #expect(keeping.stdout.contains("kept \(conf)"), "\(keeping)")
        #expect(try Self.installedFiles(under: dest) == ["etc/subflowd/subflowd.conf"])

        // With the shipped configuration, uninstall leaves nothing but the standard directories.
        try FileManager.default.removeItem(atPath: conf)
        try Command.check(make + ["install"], timeout: .seconds(180))
        try Command.check(make + ["uninstall"])
        #expect(try Self.installedFiles(under: dest).isEmpty)
        for gone in ["usr/lib/subflowd", "etc/subflowd", "usr/share/doc/subflowd"] {
            #expect(!FileManager.default.fileExists(atPath: dest + "/" + gone), "\(gone) is left after uninstall")
        }
    }

    /// The default PREFIX, /usr/local: the unit lands where systemd reads local units and
    /// starts /usr/local/bin/subflowd; the configuration stays in /etc.
    @Test func makeInstallWithTheDefaultPrefix() throws {
        let scratch = try Scratch()
        let dest = scratch.url.appendingPathComponent("dest").path
        let make = [
            "make", "-s", "--no-print-directory", "-C", Self.repository.path, "DESTDIR=\(dest)",
            "BIN_DIR=\(BuiltProducts.directory.path)",
        ]
        try Command.check(make + ["install"], timeout: .seconds(180))
        let unitText = try String(
            contentsOfFile: dest + "/usr/local/lib/systemd/system/subflowd.service", encoding: .utf8)
        #expect(unitText.contains("\nExecStart=/usr/local/bin/subflowd --config /etc/subflowd/subflowd.conf\n"))
        #expect(FileManager.default.fileExists(atPath: dest + "/etc/subflowd/subflowd.conf"))
        #expect(FileManager.default.fileExists(atPath: dest + "/usr/local/share/man/man8/subflowd.8.gz"))
        let policies = try Command.check([dest + "/usr/local/bin/subflowd", "--list-policies"])
        for plugin in Self.plugins { #expect(policies.stdout.contains("\(plugin)\t"), "\(policies)") }
        try Command.check(make + ["uninstall"])
        #expect(try Self.installedFiles(under: dest).isEmpty)
    }

    /// The installed tree needs no Swift toolchain: with the toolchain's runtime folder hidden
    /// (a private mount namespace with an empty tmpfs over it) the daemon still starts its
    /// plugins and checks its configuration.
    @Test(.enabled(if: isRoot, "needs root: hides the Swift toolchain in a private mount namespace"))
    func installedTreeRunsWithoutTheToolchain() throws {
        let scratch = try Scratch()
        let dest = scratch.url.appendingPathComponent("dest").path
        try Command.check(
            [
                "make", "-s", "--no-print-directory", "-C", Self.repository.path, "DESTDIR=\(dest)", "PREFIX=/usr",
                "BIN_DIR=\(BuiltProducts.directory.path)", "install",
            ], timeout: .seconds(180))
        let checked = try Self.withoutToolchain([
            dest + "/usr/bin/subflowd", "--check-config",
            "--config", dest + "/etc/subflowd/subflowd.conf", "--policy", "fullmesh",
            "--policy", "signal-per-interface",
        ])
        #expect(checked.succeeded && checked.stdout.contains("configuration is valid"), "\(checked)")
    }

    // MARK: make deb

    /// `make deb` builds a package whose Depends this host satisfies (and that names no Swift
    /// package); it installs into a scratch root with dpkg, runs from the installed paths — also
    /// with the toolchain hidden — and removes and purges cleanly. The maintainer scripts never
    /// start, restart or enable the service.
    @Test(.enabled(if: isRoot, "needs root: dpkg --root installs root-owned files"))
    func debInstallsRunsAndRemovesInAScratchRoot() throws {
        let scratch = try Scratch()
        let out = scratch.url.appendingPathComponent("deb").path
        var make = ["make", "-s", "--no-print-directory", "-C", Self.repository.path, "DEB_DIR=\(out)", "deb"]
        var timeout = Duration.seconds(300)
        if ProcessInfo.processInfo.environment["SUBFLOWD_PACKAGING_RELEASE"] == "1" {
            make += ["SWIFT_BUILD_FLAGS=--scratch-path=\(Self.repository.path)/.build-packaging"]
            timeout = .seconds(1500)
        } else {
            make += ["BIN_DIR=\(BuiltProducts.directory.path)"]
        }
        let built = try Command.check(make, timeout: timeout)
        let deb = try #require(built.stdout.split(separator: "\n").last.map(String.init), "\(built)")
        #expect(deb.hasSuffix(".deb") && FileManager.default.fileExists(atPath: deb), "\(built)")

        func field(_ name: String) throws -> String {
            try Command.check(["dpkg-deb", "-f", deb, name]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let version = try Command.check([try BuiltProducts.subflowd, "--version"]).stdout
        #expect(try field("Package") == "subflowd")
        #expect(version.contains("subflowd \(try field("Version").split(separator: "-").first ?? "?") "), "\(version)")
        let depends = try field("Depends")
        #expect(depends.contains("libell0") && depends.contains("libmnl0") && depends.contains("libc6"), "\(depends)")
        #expect(!depends.lowercased().contains("swift"), "\(depends)")
        for dependency in depends.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            try Self.expectSatisfiedOnThisHost(dependency)
        }
        let info = try Command.check(["dpkg-deb", "-I", deb]).stdout
        #expect(info.contains("conffiles") && info.contains("md5sums"), "\(info)")

        // The maintainer scripts: systemctl only to reload, stop and disable.
        let control = scratch.url.appendingPathComponent("control").path
        try Command.check(["dpkg-deb", "-e", deb, control])
        #expect(try String(contentsOfFile: control + "/conffiles", encoding: .utf8) == "/etc/subflowd/subflowd.conf\n")
        for script in ["postinst", "prerm", "postrm"] {
            let commands = try String(contentsOfFile: control + "/" + script, encoding: .utf8).split(separator: "\n")
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") && !$0.contains("echo ") }
            for line in commands where line.contains("systemctl") || line.contains("deb-systemd-invoke") {
                let words = Set(line.split(whereSeparator: { $0 == " " || $0 == ";" }).map(String.init))
                #expect(
                    words.isDisjoint(with: ["start", "restart", "try-restart", "reload-or-restart", "enable", "--now"]),
                    "\(script) starts or enables the service: \(line)")
            }
        }

        // Install into an empty root. Maintainer scripts run chrootless, with DPKG_ROOT set.
        let root = scratch.url.appendingPathComponent("root").path
        for directory in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        for file in ["var/lib/dpkg/status", "var/lib/dpkg/available"] {
            _ = FileManager.default.createFile(atPath: root + "/" + file, contents: Data())
        }
        let dpkg = ["dpkg", "--root=\(root)", "--force-script-chrootless"]
        // --force-depends: the scratch root holds no libc6 and friends (checked above instead).
        try Command.check(dpkg + ["--force-depends", "-i", deb], timeout: .seconds(120))
        let listed = try Command.check(dpkg + ["-L", "subflowd"]).stdout
        for path in [
            "/usr/bin/subflowd", "/usr/bin/subflowctl", "/etc/subflowd/subflowd.conf",
            "/lib/systemd/system/subflowd.service", "/usr/lib/subflowd/libSubflowPolicy.so",
            "/usr/lib/subflowd/swift/libswiftCore.so", "/usr/share/man/man8/subflowd.8.gz",
            "/usr/share/doc/subflowd/copyright", "/usr/share/doc/subflowd/changelog.Debian.gz",
            "/usr/share/bash-completion/completions/subflowctl", "/usr/share/zsh/vendor-completions/_subflowd",
            "/usr/share/fish/vendor_completions.d/subflowctl.fish",
        ]
            + Self.plugins.map({ "/usr/lib/subflowd/\($0).so" })
        {
            #expect(listed.split(separator: "\n").contains(Substring(path)), "the package lacks \(path)")
        }

        try Self.checkDaemonRuns(root: root)
        let hidden = try Self.withoutToolchain([
            root + "/usr/bin/subflowd", "--check-config", "--config",
            root + "/etc/subflowd/subflowd.conf",
        ])
        #expect(hidden.succeeded && hidden.stdout.contains("configuration is valid"), "\(hidden)")
        let unitText = try String(contentsOfFile: root + "/lib/systemd/system/subflowd.service", encoding: .utf8)
        let unit = scratch.url.appendingPathComponent("subflowd.service")
        try unitText.replacingOccurrences(of: "/usr/bin/subflowd", with: root + "/usr/bin/subflowd")
            .replacingOccurrences(of: "/etc/subflowd/", with: root + "/etc/subflowd/")
            .write(to: unit, atomically: true, encoding: .utf8)
        try Self.verifyUnit(unit, manPath: URL(fileURLWithPath: root + "/usr/share/man"))

        // Remove: everything but the conffile goes; purge: that too.
        try Command.check(dpkg + ["-r", "subflowd"], timeout: .seconds(60))
        let afterRemove = try Self.installedFiles(under: root).filter { !$0.hasPrefix("var/lib/dpkg/") }
        #expect(afterRemove == ["etc/subflowd/subflowd.conf"], "\(afterRemove.sorted())")
        try Command.check(dpkg + ["-P", "subflowd"], timeout: .seconds(60))
        let afterPurge = try Self.installedFiles(under: root).filter { !$0.hasPrefix("var/lib/dpkg/") }
        #expect(afterPurge.isEmpty, "\(afterPurge.sorted())")
        for gone in ["usr/lib/subflowd", "etc/subflowd", "usr/bin"] {
            #expect(!FileManager.default.fileExists(atPath: root + "/" + gone), "\(gone) is left after purge")
        }
    }

    // MARK: Man pages

    /// Each page renders without a groff warning, and man(1) and lexgrog(1) read it.
    @Test func manPagesRenderWithoutWarnings() throws {
        for page in Self.manPages {
            let file = Self.repository.appendingPathComponent("man/" + URL(fileURLWithPath: page).lastPathComponent)
                .path
            let groff = try Command.run(["groff", "-ww", "-man", "-z", file])
            #expect(groff.succeeded && groff.stderr.isEmpty, "\(groff)")
            let man = try Command.run(["env", "MANWIDTH=80", "man", "--warnings", "-l", file])
            #expect(man.succeeded && man.stderr.isEmpty && man.stdout.contains("NAME"), "\(man)")
            let whatis = try Command.run(["lexgrog", file])
            #expect(whatis.succeeded && whatis.stdout.contains(" - "), "\(whatis)")
        }
    }

    /// Every option of `subflowd --help`, every subflowctl command and its options, and every
    /// key of conf/subflowd.conf appear in the man pages.
    @Test func manPagesDocumentEveryOptionCommandAndKey() throws {
        func page(_ name: String) throws -> String {
            try String(contentsOf: Self.repository.appendingPathComponent("man/\(name)"), encoding: .utf8)
        }
        /// The long options listed in the OPTIONS section of a --help text.
        func options(_ help: String) -> Set<String> {
            guard let section = help.range(of: "\nOPTIONS:\n") else { return [] }
            let listed = help[section.upperBound...].split(separator: "\n")
                .prefix { !$0.hasSuffix(":") || $0.hasPrefix(" ") }
                .filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("-") }
                .flatMap { $0.split(separator: " ").prefix(3) }
            return Set(listed.flatMap { $0.matches(of: #/--[a-z][a-z-]*/#).map { String($0.output) } })
                .subtracting(["--help", "--version"])
        }
        func documented(_ text: String, in roff: String) -> Bool {
            roff.contains(text.replacingOccurrences(of: "-", with: "\\-"))
        }

        let subflowd = try page("subflowd.8")
        for option in options(try Command.check([try BuiltProducts.subflowd, "--help"]).stdout) {
            #expect(documented(option, in: subflowd), "subflowd.8 does not document \(option)")
        }

        let subflowctl = try page("subflowctl.8")
        let ctl = try BuiltProducts.path("subflowctl")
        var commands: [[String]] = []
        func subcommands(_ path: [String]) throws -> [String] {
            let help = try Command.check([ctl] + path + ["--help"]).stdout
            guard let section = help.range(of: "SUBCOMMANDS:") else { return [] }
            return help[section.upperBound...].split(separator: "\n").compactMap { line in
                guard let match = line.prefixMatch(of: #/  ([a-z][a-z-]*)(?: |$)/#), match.output.1 != "help" else {
                    return nil
                }
                return String(match.output.1)
            }
        }
        for command in try subcommands([]) {
            let nested = try subcommands([command])
            commands += nested.isEmpty ? [[command]] : nested.map { [command, $0] }
        }
        #expect(commands.count >= 3, "\(commands)")
        for command in commands {
            #expect(
                subflowctl.contains(".B \(command.joined(separator: " "))")
                    || subflowctl.contains("\(command.joined(separator: " ")) "),
                "subflowctl.8 does not document \(command.joined(separator: " "))")
            for option in options(try Command.check([ctl] + command + ["--help"]).stdout) {
                #expect(
                    documented(option, in: subflowctl),
                    "subflowctl.8 does not document \(command.joined(separator: " ")) \(option)")
            }
        }

        let conf = try page("subflowd.conf.5")
        let shipped = try String(
            contentsOf: Self.repository.appendingPathComponent("conf/subflowd.conf"), encoding: .utf8)
        var sections: Set<String> = []
        for line in shipped.split(separator: "\n") {
            if line.hasPrefix("[") { sections.insert(String(line)); continue }
            guard let match = line.wholeMatch(of: #/#?([a-z][a-z-]*) =.*/#) else { continue }
            #expect(
                documented(".BI \"\(match.output.1) = ", in: conf),
                "subflowd.conf.5 does not document \(match.output.1)")
        }
        for section in sections {
            #expect(documented(section, in: conf), "subflowd.conf.5 has no \(section) section")
        }
    }

    // MARK: Helpers

    /// A temporary folder, removed when the value goes away.
    final class Scratch {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sfd-packaging-\(getpid())-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    /// Paths (relative to `root`) of every file and symbolic link below it.
    static func installedFiles(under root: String) throws -> Set<String> {
        guard FileManager.default.fileExists(atPath: root) else { return [] }
        let listing = try Command.check(["find", root, "!", "-type", "d", "-printf", "%P\\n"])
        return Set(listing.stdout.split(separator: "\n").map(String.init))
    }

    static func mode(_ path: String) throws -> Int {
        let value = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]
        return ((value as? NSNumber)?.intValue ?? (value as? Int) ?? -1) & 0o7777
    }

    /// `systemd-analyze verify` passes and says nothing about the unit; `manPath` holds the
    /// pages named by Documentation=.
    static func verifyUnit(_ unit: URL, manPath: URL) throws {
        let verify = try Command.run(["env", "MANPATH=\(manPath.path)", "systemd-analyze", "verify", unit.path])
        #expect(verify.succeeded, "\(verify)")
        let complaints = (verify.stdout + verify.stderr).split(separator: "\n").filter {
            $0.contains(unit.lastPathComponent)
        }
        #expect(complaints.isEmpty, "\(verify)")
    }

    /// The folder the build's Swift runtime comes from (where ldd finds libswiftCore.so).
    static func toolchainRuntime() throws -> String {
        let ldd = try Command.check(["ldd", try BuiltProducts.subflowd]).stdout
        let line = try #require(ldd.split(separator: "\n").first { $0.contains("libswiftCore.so =>") })
        let path = try #require(line.split(separator: " ").first { $0.hasPrefix("/") })
        return URL(fileURLWithPath: String(path)).resolvingSymlinksInPath().deletingLastPathComponent().path
    }

    /// Every ELF file resolves every library, libSubflowPolicy.so and the Swift runtime from
    /// `root` itself (never the build folder or the toolchain), through a RUNPATH relative to
    /// $ORIGIN.
    static func checkLinking(root: String, files: Set<String>) throws {
        let toolchain = try toolchainRuntime() + "/"
        let build = BuiltProducts.directory.path + "/"
        for file in files.sorted() where !file.contains("/swift/") {
            let path = root + "/" + file
            let dynamic = try Command.check(["readelf", "-d", path]).stdout
            let runpath = dynamic.split(separator: "\n").first { $0.contains("(RUNPATH)") }.map(String.init) ?? ""
            #expect(
                runpath.contains("[$ORIGIN") && !runpath.contains(toolchain.dropLast())
                    && !runpath.contains(build.dropLast()),
                "\(file): \(runpath)")
            let ldd = try Command.check(["ldd", path]).stdout
            #expect(!ldd.contains("not found"), "\(file):\n\(ldd)")
            for line in ldd.split(separator: "\n")
            where ["libswift", "libSubflowPolicy", "Foundation", "libdispatch", "libBlocksRuntime"].contains(where: {
                line.contains($0)
            }) {
                #expect(line.contains("=> " + root + "/"), "\(file) loads \(line) from outside the installed tree")
            }
        }
    }

    /// The installed daemon, run from `root`: its version, its plugins found in the installed
    /// plugin folder, and the installed configuration checked (policies started, not run).
    static func checkDaemonRuns(root: String) throws {
        let daemon = root + "/usr/bin/subflowd"
        let version = try Command.check([daemon, "--version"])
        #expect(version.stdout.hasPrefix("subflowd ") && version.stdout.contains("policy API"), "\(version)")
        let policies = try Command.check([daemon, "--list-policies"])
        for plugin in plugins { #expect(policies.stdout.contains("\(plugin)\t"), "\(policies)") }
        let checked = try Command.run([daemon, "--check-config", "--config", root + "/etc/subflowd/subflowd.conf"])
        #expect(checked.succeeded && checked.stdout.contains("configuration is valid: policies fullmesh"), "\(checked)")
        let ctl = try Command.run([root + "/usr/bin/subflowctl", "--help"])
        #expect(ctl.succeeded && ctl.stdout.contains("USAGE: subflowctl"), "\(ctl)")
        let traffic = try Command.run([root + "/usr/lib/subflowd/tools/subflow-traffic", "--help"])
        #expect((traffic.stdout + traffic.stderr).contains("subflow-traffic serve"), "\(traffic)")
    }

    /// Runs `arguments` in a private mount namespace where the toolchain's runtime folder is
    /// an empty tmpfs.
    static func withoutToolchain(_ arguments: [String]) throws -> CommandResult {
        let runtime = try toolchainRuntime()
        return try Command.run(
            [
                "unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs none \"$0\" && ! test -e \"$0/libswiftCore.so\" && exec \"$@\"",
                runtime,
            ] + arguments)
    }

    /// `dependency` ("name (>= version)", maybe with "|" alternatives) holds on this host.
    static func expectSatisfiedOnThisHost(_ dependency: String) throws {
        var reasons: [String] = []
        for alternative in dependency.split(separator: "|").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let parts = alternative.split(separator: " ", maxSplits: 1).map(String.init)
            let name = parts[0]
            let installed = try Command.run(["dpkg-query", "-W", "-f=${Version}", name])
            guard installed.succeeded, !installed.stdout.isEmpty else {
                reasons.append("\(name) not installed"); continue
            }
            guard parts.count == 2 else { return }
            let relation = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "() "))
                .split(separator: " ").map(String.init)
            guard relation.count == 2 else { reasons.append("cannot read '\(alternative)'"); continue }
            let op = ["<<": "lt", "<=": "le", "=": "eq", ">=": "ge", ">>": "gt"][relation[0]] ?? "ge"
            if try Command.run(["dpkg", "--compare-versions", installed.stdout, op, relation[1]]).succeeded { return }
            reasons.append("\(name) \(installed.stdout) is not \(relation[0]) \(relation[1])")
        }
        Issue.record("Depends '\(dependency)' does not hold on this host: \(reasons.joined(separator: "; "))")
    }
}
