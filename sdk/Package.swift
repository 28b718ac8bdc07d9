// swift-tools-version:6.2
import PackageDescription

// The subflowd policy SDK: the types and protocols a policy plugin is written against.
// It is a *dynamic* library on purpose: the daemon and every plugin load the same
// libSubflowPolicy.so, so they share one copy of the type metadata.
let package = Package(
    name: "SubflowPolicySDK",
    products: [
        .library(name: "SubflowPolicy", type: .dynamic, targets: ["SubflowPolicy"])
    ],
    targets: [
        .target(name: "SubflowPolicy", swiftSettings: [.treatAllWarnings(as: .error)]),
        .testTarget(name: "SubflowPolicyTests", dependencies: ["SubflowPolicy"]),
    ]
)
