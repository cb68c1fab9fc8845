// swift-tools-version:6.1
import PackageDescription

// The libFuzzer targets of swift-sse, in a package of their own so the root package never builds
// with fuzzer instrumentation. `Sources/SSEProtocol` and `Sources/SSETestSupport` are symbolic
// links to the root package's `Modules/SSEProtocol` and `Tests/SSETestSupport`, so the fuzzer
// checks the real decoder against the same reference model the tests use, with no dependency to
// resolve. Build and run with `Tools/fuzz.sh` (it adds `-sanitize=fuzzer,address`).

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "swift-sse-fuzz",
    targets: [
        .target(name: "SSEProtocol", path: "Sources/SSEProtocol", swiftSettings: swiftSettings),
        .target(
            name: "SSETestSupport",
            dependencies: ["SSEProtocol"],
            path: "Sources/SSETestSupport",
            swiftSettings: swiftSettings
        ),
        .target(name: "CFuzzerDriver", path: "Sources/CFuzzerDriver"),
        .executableTarget(
            name: "DecoderFuzz",
            dependencies: ["SSEProtocol", "SSETestSupport", "CFuzzerDriver"],
            path: "Sources/DecoderFuzz",
            swiftSettings: swiftSettings,
            // gold fails with an internal error on this link; lld ships with the toolchain.
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
        ),
        .executableTarget(
            name: "WriteSeedCorpus",
            dependencies: ["SSETestSupport"],
            path: "Sources/WriteSeedCorpus",
            swiftSettings: swiftSettings,
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
        ),
    ]
)
