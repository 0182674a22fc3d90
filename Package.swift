// swift-tools-version: 6.1
import PackageDescription

// The import path touches every byte of files with millions of lines. Its types are single-threaded
// by construction (one reader, one loader per import), so runtime exclusivity checks only cost time:
// measured at about 6 % of an import's CPU (see BENCHMARKS.md). Static checks stay on.
let hotPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "Channelbook",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "channelbook", targets: ["channelbook"]),
        .library(name: "ChannelbookCore", targets: ["ChannelbookCore"]),
        .library(name: "ChannelbookImport", targets: ["ChannelbookImport"]),
        .library(name: "ChannelbookUpload", targets: ["ChannelbookUpload"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/pointfreeco/swift-tagged", from: "0.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        // Named, and held to 1.13.x, because the import reaches the SQLite it bundles on a connection's own handle
        // (Database/SQLitePreparedStatement.swift): a release that moved the handle would stop every SQLite import.
        .package(url: "https://github.com/vapor/sqlite-nio", .upToNextMinor(from: "1.13.2")),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // Money, dates, ids, the program and its calculators. Pure: no I/O, no NIO, no SQL.
        .target(
            name: "ChannelbookCore",
            dependencies: [
                .product(name: "Tagged", package: "swift-tagged"),
            ]
        ),
        // Streaming CSV and Excel (.xlsx) reading and row validation for the import files. Depends on the core, and on
        // ZIPFoundation's inflate and CRC only (its archive reader loops forever on a damaged deflate stream: see XLSXArchive).
        .target(
            name: "ChannelbookImport",
            dependencies: ["ChannelbookCore", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: hotPathSettings),
        // A multipart/form-data upload read as a stream, without an HTTP server, so it can be tested and fuzzed alone.
        .target(name: "ChannelbookUpload", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        // SQL storage over sql-kit: one code path for SQLite and PostgreSQL, migrations, bulk import, the quarter's close.
        .target(
            name: "ChannelbookStore",
            dependencies: [
                "ChannelbookCore",
                "ChannelbookImport",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: hotPathSettings
        ),
        // The JSON API's contract (openapi.yaml) and its handlers. Generated/ is swift-openapi-generator's output,
        // committed so builds never run the generator; regenerate with scripts/generate-api.sh after editing the YAML.
        .target(
            name: "ChannelbookAPI",
            dependencies: [
                "ChannelbookCore",
                "ChannelbookStore",
                "ChannelbookImport",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            exclude: ["openapi-generator-config.yaml"],
            resources: [.copy("openapi.yaml")]
        ),
        // The web app and JSON API over Hummingbird: sign-in, sessions, CSRF, partner-scoped pages and API.
        .target(
            name: "ChannelbookWeb",
            dependencies: [
                "ChannelbookCore",
                "ChannelbookImport",
                "ChannelbookStore",
                "ChannelbookAPI",
                "ChannelbookUpload",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // URI and FlatDictionary, to read a GET form's query (`Request.formQuery`).
                .product(name: "HummingbirdCore", package: "hummingbird"),
                // The pages' frame (layout, navigation, error pages) from templates in Resources/templates.
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // Webhook deliveries: an HTTP client that follows no redirect (deliveries go only to the URLs registered).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Templates of the pages' frame, Bootstrap's CSS (vendored from Debian, with its licence) and ours.
            resources: [.copy("Resources")]
        ),
        // The commands of the `channelbook` executable, as a library so tests can run them in-process.
        .target(
            name: "ChannelbookCLI",
            dependencies: [
                "ChannelbookCore",
                "ChannelbookImport",
                "ChannelbookStore",
                "ChannelbookWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        .executableTarget(
            name: "channelbook", dependencies: ["ChannelbookCLI"]),
        .testTarget(
            name: "ChannelbookCoreTests",
            dependencies: [
                "ChannelbookCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        // Test helpers the test targets share (XLSXFixture writes the workbooks the tests read back).
        .target(name: "ChannelbookTestSupport", dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")], path: "Tests/ChannelbookTestSupport"),
        .testTarget(
            name: "ChannelbookImportTests",
            dependencies: ["ChannelbookImport", "ChannelbookCore", "ChannelbookTestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "ChannelbookUploadTests", dependencies: ["ChannelbookUpload", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(
            name: "ChannelbookStoreTests",
            dependencies: ["ChannelbookStore", "ChannelbookImport", "ChannelbookCore", "ChannelbookTestSupport", .product(name: "PostgresKit", package: "postgres-kit")]
        ),
        .testTarget(
            name: "ChannelbookWebTests",
            dependencies: [
                "ChannelbookWeb", "ChannelbookStore", "ChannelbookCore", "ChannelbookTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "ChannelbookCLITests",
            dependencies: [
                "ChannelbookCLI", "ChannelbookStore", "ChannelbookCore", "ChannelbookTestSupport", "channelbook",
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
