// swift-tools-version:6.2
import PackageDescription

// Every Swift target is built in Swift 6 language mode with strict concurrency, and any warning
// fails the build: warnings in a daemon that talks to the kernel tend to be real bugs.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "subflowd",
    products: [
        .executable(name: "subflowd", targets: ["subflowd"]),
        .executable(name: "subflow-traffic", targets: ["subflow-traffic"]),
        .executable(name: "subflowctl", targets: ["subflowctl"]),
        // Policy plugins: each is a shared object that subflowd dlopen()s at run time.
        .library(name: "fullmesh", type: .dynamic, targets: ["FullMeshPolicy"]),
        .library(name: "signal-per-interface", type: .dynamic, targets: ["SignalPerInterfacePolicy"]),
        .library(name: "backup-on-loss", type: .dynamic, targets: ["BackupOnLossPolicy"]),
        // Deliberately broken plugins, used only by the loader's tests.
        .library(name: "fixture-wrong-abi", type: .dynamic, targets: ["FixtureWrongABI"]),
        .library(name: "fixture-no-entry", type: .dynamic, targets: ["FixtureNoEntry"]),
        .library(name: "fixture-init-fails", type: .dynamic, targets: ["FixtureInitFails"]),
        // A C library whose constructor leaves a marker: what an attacker would slip in.
        .library(name: "fixture-intruder", type: .dynamic, targets: ["FixtureIntruder"]),
    ],
    dependencies: [
        // The policy API lives in its own package so that it is linked as ONE shared library
        // (libSubflowPolicy.so) by the daemon and by every plugin: two copies of its type
        // metadata would make casts across the plugin boundary fail.
        .package(path: "sdk"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        .systemLibrary(name: "CELL", pkgConfig: "ell", providers: [.apt(["libell-dev"])]),
        .systemLibrary(name: "CMNL", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        // The module graph runs one way, bottom to top (CONTRIBUTING.md has the map):
        //   SubflowFormats → SubflowSystem → MPTCPWire → SubflowCore → SubflowSimulation
        //   → SubflowTrace, SubflowConfiguration → SubflowDaemon → subflowd; subflowctl and
        //   subflow-traffic sit beside the daemon and never import it.
        // Pure text formats: JSON, Prometheus exposition, exit statuses, input excerpts and
        // line splitting. No dependencies at all.
        .target(name: "SubflowFormats", swiftSettings: strict),
        // The only module that touches C, unsafe pointers, syscalls, sockets, ELL and dlopen.
        .target(
            name: "SubflowSystem",
            dependencies: [
                "CELL", "CMNL", "SubflowFormats", .product(name: "SubflowPolicy", package: "sdk"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: strict),
        // Every kernel message format in both directions and every kernel number (Numbers/).
        // Never touches a socket: live traffic, recorded streams and fuzzers share it.
        .target(
            name: "MPTCPWire",
            dependencies: ["SubflowSystem", .product(name: "SubflowPolicy", package: "sdk")],
            swiftSettings: strict),
        // Connection state, network state, policy dispatch, recovery planning. No I/O.
        .target(
            name: "SubflowCore",
            dependencies: [
                "MPTCPWire", "SubflowFormats", .product(name: "SubflowPolicy", package: "sdk"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: strict),
        // Stand-ins for the kernel and the clock (the role NIOEmbedded plays in swift-nio): a
        // simulated path-manager kernel, a manual scheduler, simulated listeners, the replay kernel.
        .target(
            name: "SubflowSimulation",
            dependencies: [
                "SubflowCore", "MPTCPWire", .product(name: "SubflowPolicy", package: "sdk"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: strict),
        // Traces: pcap (LINKTYPE_NETLINK) records, scenarios, and deterministic replay through
        // the same decoder, state and policies as the live daemon. No sockets.
        .target(
            name: "SubflowTrace",
            dependencies: [
                "SubflowSimulation", "SubflowCore", "MPTCPWire", "SubflowSystem", "SubflowFormats",
                .product(name: "SubflowPolicy", package: "sdk"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The configuration file and its keys, the plugin loader, and the one rule that lays a
        // command line over a file (subflowd and subflowctl replay share it).
        .target(
            name: "SubflowConfiguration",
            dependencies: [
                "SubflowCore", "SubflowSimulation", "SubflowSystem", "SubflowFormats", "MPTCPWire",
                .product(name: "SubflowPolicy", package: "sdk"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // `subflowctl doctor` and the daemon's own start-up checks: why MPTCP does not work on
        // this host, each finding with its evidence and fix. Reads the host, changes nothing.
        .target(
            name: "SubflowDoctor",
            dependencies: [
                "SubflowSystem", "MPTCPWire", "SubflowFormats", .product(name: "SubflowPolicy", package: "sdk"),
            ],
            swiftSettings: strict),
        // The running daemon: start-up, kernel link, network monitor, control plane, recovery.
        .target(
            name: "SubflowDaemon",
            dependencies: [
                "SubflowConfiguration", "SubflowCore", "MPTCPWire", "SubflowSystem", "SubflowTrace",
                "SubflowDoctor", "SubflowFormats", .product(name: "SubflowPolicy", package: "sdk"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // What subflowd's and subflowctl's command lines share (ArgumentParser stays out of
        // the libraries): main() that prints argument errors through InputExcerpt.
        .target(
            name: "SubflowCommandLine",
            dependencies: [
                "SubflowSystem", "SubflowFormats",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        // The daemon's command line and logging bootstrap.
        .executableTarget(
            name: "subflowd",
            dependencies: [
                "SubflowDaemon", "SubflowConfiguration", "SubflowCommandLine", "SubflowCore", "SubflowSystem",
                "SubflowFormats", .product(name: "SubflowPolicy", package: "sdk"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "subflowctl",
            dependencies: [
                "SubflowTrace", "SubflowConfiguration", "SubflowCommandLine", "SubflowDoctor", "SubflowCore",
                "SubflowSystem",
                "SubflowFormats", .product(name: "SubflowPolicy", package: "sdk"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "subflow-traffic", dependencies: ["SubflowSystem", "SubflowFormats"], swiftSettings: strict),

        .target(
            name: "FullMeshPolicy", dependencies: [.product(name: "SubflowPolicy", package: "sdk")],
            path: "plugins/fullmesh", swiftSettings: strict),
        .target(
            name: "SignalPerInterfacePolicy", dependencies: [.product(name: "SubflowPolicy", package: "sdk")],
            path: "plugins/signal-per-interface", swiftSettings: strict),
        .target(
            name: "BackupOnLossPolicy", dependencies: [.product(name: "SubflowPolicy", package: "sdk")],
            path: "plugins/backup-on-loss", swiftSettings: strict),

        .target(
            name: "FixtureWrongABI", dependencies: [.product(name: "SubflowPolicy", package: "sdk")],
            path: "Tests/Fixtures/plugins/wrong-abi", swiftSettings: strict),
        .target(
            name: "FixtureNoEntry", dependencies: [.product(name: "SubflowPolicy", package: "sdk")],
            path: "Tests/Fixtures/plugins/no-entry", swiftSettings: strict),
        .target(
            name: "FixtureInitFails", dependencies: [.product(name: "SubflowPolicy", package: "sdk")],
            path: "Tests/Fixtures/plugins/init-fails", swiftSettings: strict),
        .target(name: "FixtureIntruder", path: "Tests/Fixtures/plugins/intruder"),

        // Tests mirror the modules: <Module>Tests tests <Module> without root; PolicyPluginTests
        // the shipped policies; EndToEndTests the built executables (no root); KernelTests the
        // daemon against the real kernel in network namespaces (root). CONTRIBUTING.md has more.
        // Shared helpers: hex and address literals, the built-products finder, plugin
        // directories, the namespace testbed and processes.
        .target(
            name: "SubflowTestSupport",
            dependencies: ["SubflowSystem", .product(name: "SubflowPolicy", package: "sdk")],
            path: "Tests/SubflowTestSupport", swiftSettings: strict),
        // A PathManager wired to a simulated kernel and a manual clock, with the shipped policies.
        // The policy modules are linked in so their logic can be tested directly. Each one also
        // exports the plugin ABI's two C entry points, so the single Linux test binary sees them
        // several times: allowed for the targets that link them, and harmless, because tests never
        // call those symbols (the loader tests dlopen the real .so files, where each plugin's own
        // symbols are used).
        .target(
            name: "PathManagerHarness",
            dependencies: [
                "SubflowCore", "SubflowSimulation", "MPTCPWire", "FullMeshPolicy", "SignalPerInterfacePolicy",
                "BackupOnLossPolicy", .product(name: "SubflowPolicy", package: "sdk"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/PathManagerHarness", swiftSettings: strict),
        .testTarget(name: "SubflowFormatsTests", dependencies: ["SubflowFormats"], swiftSettings: strict),
        .testTarget(
            name: "SubflowSystemTests", dependencies: ["SubflowSystem", "MPTCPWire", "SubflowTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "MPTCPWireTests", dependencies: ["MPTCPWire", "SubflowSystem", "SubflowTestSupport"],
            resources: [.copy("Captures")], swiftSettings: strict),
        .testTarget(
            name: "SubflowCoreTests",
            dependencies: [
                "SubflowCore", "SubflowSimulation", "PathManagerHarness", "SubflowTestSupport",
                .product(name: "SubflowPolicy", package: "sdk"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: strict,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--allow-multiple-definition"])]),
        .testTarget(
            name: "SubflowSimulationTests",
            dependencies: [
                "SubflowSimulation", "SubflowCore", "MPTCPWire", "SubflowSystem",
                .product(name: "SubflowPolicy", package: "sdk"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "PolicyPluginTests",
            dependencies: [
                "PathManagerHarness", "SubflowCore", "SubflowSimulation", "FullMeshPolicy",
                "SignalPerInterfacePolicy", "BackupOnLossPolicy", "SubflowTestSupport",
                .product(name: "SubflowPolicy", package: "sdk"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: strict,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--allow-multiple-definition"])]),
        .testTarget(
            name: "SubflowTraceTests",
            dependencies: [
                "SubflowTrace", "SubflowSimulation", "SubflowConfiguration", "SubflowCore", "MPTCPWire",
                "SubflowSystem", "SubflowFormats", "SubflowTestSupport",
                .product(name: "SubflowPolicy", package: "sdk"),
            ],
            exclude: ["Scenarios"], swiftSettings: strict),
        .testTarget(
            name: "SubflowConfigurationTests",
            dependencies: [
                "SubflowConfiguration", "SubflowCore", "SubflowSystem", "SubflowFormats",
                "SubflowTestSupport", .product(name: "SubflowPolicy", package: "sdk"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SubflowDaemonTests",
            dependencies: [
                "SubflowDaemon", "SubflowConfiguration", "SubflowCore", "SubflowSystem", "SubflowFormats",
                "SubflowTestSupport", .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SubflowDoctorTests",
            dependencies: ["SubflowDoctor", "SubflowSystem", "SubflowFormats", "SubflowTestSupport"],
            swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["SubflowTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "KernelTests", dependencies: ["SubflowSystem", "MPTCPWire", "SubflowTestSupport"],
            swiftSettings: strict),
    ]
)

// Fuzz targets (bench/fuzz.sh, fuzz/README.md): one libFuzzer executable per decoder of outside
// bytes, in the package only when SUBFLOWD_FUZZ=1. They are built with -sanitize=fuzzer,address
// in their own scratch path; kept out of the normal graph so `swift build --build-tests` neither
// compiles nor links them (no cost, and their entry point has no `main` without libFuzzer), and
// kept in THIS package so they reach the decoders' `package` entry points without making them
// public API or resolving the dependencies a second time.
if Context.environment["SUBFLOWD_FUZZ"] == "1" {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("fuzz-mptcp-event", ["MPTCPWire", "SubflowSystem"]),
        ("fuzz-mptcp-command", ["MPTCPWire", "SubflowSystem"]),
        ("fuzz-netlink-reply", ["MPTCPWire", "SubflowSystem"]),
        ("fuzz-rtnetlink", ["MPTCPWire", "SubflowSystem", .product(name: "SubflowPolicy", package: "sdk")]),
        ("fuzz-nlctrl", ["MPTCPWire", "SubflowSystem"]),
        ("fuzz-sock-diag", ["MPTCPWire", "SubflowSystem"]),
        ("fuzz-pcap", ["SubflowTrace", "SubflowSystem", "SubflowFormats"]),
        ("fuzz-scenario", ["SubflowTrace", "SubflowSystem"]),
        ("fuzz-config", ["SubflowConfiguration"]),
        ("fuzz-json", ["SubflowFormats"]),
        (
            "fuzz-control-request",
            [
                "SubflowDaemon", "SubflowCore", "SubflowSimulation", "SubflowSystem", "SubflowFormats",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        ("fuzz-http-head", ["SubflowDaemon"]),
    ]
    package.targets += [
        .target(name: "CFuzzer", path: "fuzz/CFuzzer"),
        .target(
            name: "FuzzSupport", dependencies: ["CFuzzer", "SubflowSystem"], path: "fuzz/Support", swiftSettings: strict
        ),
    ]
    for target in fuzzTargets {
        package.products.append(.executable(name: target.name, targets: [target.name]))
        package.targets.append(
            .executableTarget(
                name: target.name, dependencies: target.dependencies + ["FuzzSupport"],
                path: "fuzz/targets/\(target.name.dropFirst("fuzz-".count))",
                swiftSettings: strict))
    }
}
