// swift-tools-version:6.1
import PackageDescription

// swift-sse: a Server-Sent Events toolkit. One package, small products, each replaceable.
// Dependency arrows point one way (see CONTRIBUTING.md):
//   SSEProtocol, SSELogging  <-  SSETransport (seams only)
//   SSETransport  <-  SSEAsyncHTTPClient, SSENIOServer, SSEGzip, SSETesting (implementations)
//   SSEAsyncHTTPClient  <-  SSEClient;   SSEGzip, SSERepositories  <-  SSEServer
//   SSEProtocol  <-  SSERepositories  <-  SSESQLite
//   SSEServer  <-  SSEPostgres, SSEHummingbird, SSEVapor;   SSEProtocol  <-  SSEOpenAPI

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "swift-sse",
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11)],
    products: [
        .library(name: "SSEProtocol", targets: ["SSEProtocol"]),
        .library(name: "SSELogging", targets: ["SSELogging"]),
        .library(name: "SSETransport", targets: ["SSETransport"]),
        .library(name: "SSEAsyncHTTPClient", targets: ["SSEAsyncHTTPClient"]),
        .library(name: "SSENIOServer", targets: ["SSENIOServer"]),
        .library(name: "SSEGzip", targets: ["SSEGzip"]),
        .library(name: "SSETesting", targets: ["SSETesting"]),
        .library(name: "SSEClient", targets: ["SSEClient"]),
        .library(name: "SSEServer", targets: ["SSEServer"]),
        .library(name: "SSERepositories", targets: ["SSERepositories"]),
        .library(name: "SSESQLite", targets: ["SSESQLite"]),
        .library(name: "SSEOpenAPI", targets: ["SSEOpenAPI"]),
        .library(name: "SSEPostgres", targets: ["SSEPostgres"]),
        .executable(name: "sse", targets: ["sse"]),
        .executable(name: "sse-network", targets: ["sse-network"]),
        .executable(name: "sse-bench", targets: ["SSEBench"]),
        .executable(name: "sse-contract-service", targets: ["ContractTestService"]),
        .executable(name: "TimeTicker", targets: ["TimeTicker"]),
        .executable(name: "NewsReplay", targets: ["NewsReplay"]),
        .executable(name: "ChatStream", targets: ["ChatStream"]),
        .library(name: "SSEHummingbird", targets: ["SSEHummingbird"]),
        .library(name: "SSEVapor", targets: ["SSEVapor"]),
        .executable(name: "HummingbirdNews", targets: ["HummingbirdNews"]),
        .executable(name: "VaporNews", targets: ["VaporNews"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor", from: "4.122.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        // MARK: Libraries
        .target(name: "SSEProtocol", path: "Modules/SSEProtocol", swiftSettings: swiftSettings),
        .target(
            name: "SSELogging",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Modules/SSELogging",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSETransport",
            dependencies: ["SSEProtocol", "SSELogging"],
            path: "Modules/SSETransport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSEAsyncHTTPClient",
            dependencies: [
                "SSETransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Modules/SSEAsyncHTTPClient",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSENIOServer",
            dependencies: [
                "SSEProtocol", "SSELogging", "SSETransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            path: "Modules/SSENIOServer",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSEGzip",
            dependencies: [
                "SSETransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            path: "Modules/SSEGzip",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSETesting",
            dependencies: ["SSEProtocol", "SSETransport"],
            path: "Modules/SSETesting",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSEClient",
            dependencies: ["SSEProtocol", "SSELogging", "SSETransport", "SSEAsyncHTTPClient"],
            path: "Modules/SSEClient",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSERepositories",
            dependencies: ["SSEProtocol"],
            path: "Modules/SSERepositories",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSEServer",
            dependencies: [
                "SSEProtocol", "SSELogging", "SSETransport", "SSEGzip", "SSERepositories",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Modules/SSEServer",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSESQLite",
            dependencies: [
                "SSEProtocol", "SSERepositories",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            path: "Modules/SSESQLite",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSEPostgres",
            dependencies: [
                "SSEProtocol", "SSERepositories", "SSEServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Modules/SSEPostgres",
            swiftSettings: swiftSettings
        ),

        // MARK: Tools and examples
        .target(
            name: "SSEToolSupport",
            dependencies: ["SSEProtocol"],
            path: "Tools/SSEToolSupport",
            swiftSettings: swiftSettings
        ),
        // `sse` links only SSEProtocol so `sse decode` starts fast; `sse listen` and `sse serve`
        // hand over to `sse-network`, which carries the HTTP client and server.
        .executableTarget(
            name: "sse",
            dependencies: [
                "SSEProtocol", "SSEToolSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/sse",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sse-network",
            dependencies: [
                "SSEProtocol", "SSELogging", "SSEClient", "SSEServer", "SSERepositories", "SSESQLite", "SSETransport",
                "SSENIOServer", "SSEToolSupport", "SSEPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tools/sse-network",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SSEBench",
            dependencies: [
                "SSEProtocol", "SSEServer", "SSERepositories", "SSESQLite", "SSETransport", "SSENIOServer", "SSEClient",
                "SSEPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tools/Benchmarks/SSEBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ContractTestService",
            dependencies: [
                "SSEProtocol", "SSEClient", "SSETransport", "SSEAsyncHTTPClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tools/ContractTestService",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "TimeTicker",
            dependencies: ["SSEProtocol", "SSEClient", "SSEServer", "SSETransport", "SSENIOServer"],
            path: "Examples/TimeTicker",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "NewsReplay",
            dependencies: ["SSEProtocol", "SSEClient", "SSEServer", "SSETransport", "SSENIOServer", "SSERepositories"],
            path: "Examples/NewsReplay",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ChatStream",
            dependencies: ["SSEProtocol", "SSEClient", "SSETransport", "SSENIOServer"],
            path: "Examples/ChatStream",
            swiftSettings: swiftSettings
        ),

        .target(
            name: "SSEOpenAPI",
            dependencies: ["SSEProtocol", .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            path: "Modules/SSEOpenAPI",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(name: "SSETestSupport", dependencies: ["SSEProtocol"], path: "Tests/SSETestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "SSEProtocolTests",
            dependencies: ["SSEProtocol", "SSETestSupport"],
            path: "Tests/SSEProtocolTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSELoggingTests",
            dependencies: ["SSELogging", .product(name: "Logging", package: "swift-log")],
            path: "Tests/SSELoggingTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSETransportTests",
            dependencies: ["SSETransport", "SSETesting"],
            path: "Tests/SSETransportTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSENIOServerTests",
            dependencies: [
                "SSENIOServer", "SSETransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/SSENIOServerTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSEGzipTests",
            dependencies: [
                "SSEGzip", "SSETransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            path: "Tests/SSEGzipTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSEServerTests",
            dependencies: [
                "SSEServer", "SSETransport", "SSENIOServer", "SSEGzip", "SSETesting", "SSERepositories", "SSETestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/SSEServerTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSEClientTests",
            dependencies: [
                "SSEClient", "SSEServer", "SSETransport", "SSEAsyncHTTPClient", "SSENIOServer", "SSETesting",
                "ContractTestService", "SSETestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            path: "Tests/SSEClientTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSERepositoriesTests",
            dependencies: ["SSERepositories", "SSESQLite", "SSEServer", "SSEClient", "SSETransport", "SSENIOServer"],
            path: "Tests/SSERepositoriesTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSEOpenAPITests",
            dependencies: [
                "SSEOpenAPI", "SSEClient", "SSEServer", "SSENIOServer", "SSEProtocol",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            path: "Tests/SSEOpenAPITests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTP2Tests",
            dependencies: [
                "SSENIOServer", "SSEServer", "SSEClient", "SSETransport", "SSEAsyncHTTPClient", "SSERepositories",
                "SSEProtocol", "SSETestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/HTTP2Tests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["SSEProtocol", "SSEClient", "SSEServer", "SSETransport", "SSENIOServer"],
            path: "Tests/IntegrationTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSEPostgresTests",
            dependencies: [
                "SSEPostgres", "SSEServer", "SSERepositories", "SSEProtocol", "SSEClient", "SSETransport", "SSENIOServer",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/SSEPostgresTests",
            swiftSettings: swiftSettings
        ),
        // MARK: Framework adapters (Hummingbird, Vapor), their examples and tests
        .target(
            name: "SSEHummingbird",
            dependencies: [
                "SSETransport", "SSEServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Modules/SSEHummingbird",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSEVapor",
            dependencies: [
                "SSETransport", "SSEServer",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Modules/SSEVapor",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "HummingbirdNews",
            dependencies: [
                "SSEHummingbird", "SSEServer", "SSEProtocol", "SSERepositories",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/HummingbirdNews",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "VaporNews",
            dependencies: [
                "SSEVapor", "SSEServer", "SSEProtocol", "SSERepositories",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/VaporNews",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AdapterTestSupport",
            dependencies: [
                "SSEClient", "SSEProtocol", "SSERepositories", "SSEServer", "SSETestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/AdapterTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSEHummingbirdTests",
            dependencies: [
                "SSEHummingbird", "AdapterTestSupport", "SSEServer", "SSEClient", "SSEProtocol", "SSERepositories", "SSETransport", "SSETestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/SSEHummingbirdTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSEVaporTests",
            dependencies: [
                "SSEVapor", "AdapterTestSupport", "SSEServer", "SSEClient", "SSEProtocol", "SSERepositories", "SSETestSupport",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/SSEVaporTests",
            swiftSettings: swiftSettings
        ),
    ]
)
