// swift-tools-version: 6.1
// libFuzzer harnesses for Steward's parsers of outside input. A package of its own so that the main `swift build`
// never builds or instruments it: `scripts/fuzz` builds it into `.build-fuzz` with `-sanitize=fuzzer`.
// StewardCore is compiled from the main package's sources (a symbolic link); Yams from the main package's checkout.
import PackageDescription

let package = Package(
    name: "StewardFuzz",
    dependencies: [
        .package(path: "../.build/checkouts/Yams"),
    ],
    targets: [
        .target(name: "StewardCore", dependencies: [.product(name: "Yams", package: "Yams")], path: "Sources/StewardCore"),
        .executableTarget(name: "StewardFuzz", dependencies: ["StewardCore"], path: "Sources/StewardFuzz",
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ]
)
