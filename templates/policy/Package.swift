// swift-tools-version:6.2
// A subflowd policy plugin, built outside the subflowd repository.
//
// Copy this folder anywhere, rename the policy (see README.md), point `subflowdSDK` at the
// SDK of the subflowd you will load the plugin into, and run ./build.sh.
import PackageDescription

/// Where subflowd's policy SDK is: a path to its `sdk` folder (or replace the dependency
/// below with `.package(url: "<subflowd repository>", ...)` and the product's package name).
/// The plugin must be built against the SDK of the subflowd that loads it: the daemon checks
/// the ABI version and refuses a mismatch.
let subflowdSDK = "../../sdk"

let package = Package(
    name: "ndiffports",
    products: [
        // The product name is the policy name: it becomes libndiffports.so.
        .library(name: "ndiffports", type: .dynamic, targets: ["NDiffPorts"])
    ],
    dependencies: [
        .package(path: subflowdSDK)
    ],
    targets: [
        .target(
            name: "NDiffPorts",
            dependencies: [.product(name: "SubflowPolicy", package: "sdk")],
            swiftSettings: [.treatAllWarnings(as: .error)])
    ]
)
