// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "steward",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "steward", targets: ["steward"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        // Pure core: facts, rules, manifest, command builders, renderers. No I/O.
        .target(
            name: "StewardCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // I/O: the command runner and the probes that fill the facts.
        .target(
            name: "StewardSystem",
            dependencies: [
                "StewardCore",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The CLI.
        .executableTarget(
            name: "steward",
            dependencies: [
                "StewardCore", "StewardSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Golden-file comparison shared by the test targets (STEWARD_RECORD_GOLDENS=1 re-records).
        .target(name: "StewardTestSupport", path: "Tests/StewardTestSupport"),
        .testTarget(name: "StewardCoreTests", dependencies: ["StewardCore", "StewardTestSupport"]),
        .testTarget(name: "StewardSystemTests", dependencies: ["StewardSystem", "StewardCore"]),
        .testTarget(name: "StewardIntegrationTests", dependencies: ["StewardTestSupport"]),
    ]
)
