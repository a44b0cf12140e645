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
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // Pure core: facts, rules, manifest, command builders, renderers. No I/O.
        .target(
            name: "StewardCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // A seccomp filter that keeps privilege-dropping children from hanging (see its header).
        .target(name: "CStewardSys"),
        // I/O: the command runner and the probes that fill the facts.
        .target(
            name: "StewardSystem",
            dependencies: [
                "StewardCore", "CStewardSys",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Operations: what the CLI, the daemon and the agent run. Typed requests and results, events, errors;
        // no printing, exiting or reading the process environment (scripts/lint-layers checks).
        .target(
            name: "StewardOps",
            dependencies: [
                "StewardCore", "StewardSystem",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The daemon (`steward serve`): HTTP API, check scheduler, history writer, systemd notifier. Like StewardOps it
        // never prints, exits or reads the process environment: the CLI hands it a ServeLaunch (scripts/lint-layers).
        .target(
            name: "StewardServe",
            dependencies: [
                "StewardCore", "StewardSystem", "StewardOps",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The CLI.
        .executableTarget(
            name: "steward",
            dependencies: [
                "StewardCore", "StewardSystem", "StewardOps", "StewardServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Golden-file comparison shared by the test targets (STEWARD_RECORD_GOLDENS=1 re-records).
        .target(name: "StewardTestSupport", path: "Tests/StewardTestSupport"),
        .testTarget(name: "StewardCoreTests", dependencies: ["StewardCore", "StewardTestSupport"]),
        .testTarget(name: "StewardSystemTests", dependencies: ["StewardSystem", "StewardCore", "StewardTestSupport"]),
        .testTarget(name: "StewardOpsTests", dependencies: ["StewardOps", "StewardSystem", "StewardCore",
                                                    .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "StewardServeTests", dependencies: [
            "StewardServe", "StewardOps", "StewardSystem", "StewardCore",
            "StewardTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "StewardIntegrationTests", dependencies: ["StewardTestSupport"]),
    ]
)
