// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Channelbook",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "channelbook", targets: ["channelbook"]),
        .library(name: "ChannelbookCore", targets: ["ChannelbookCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/pointfreeco/swift-tagged", from: "0.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // Money, dates, ids, the program and its calculators. Pure: no I/O, no NIO, no SQL.
        .target(
            name: "ChannelbookCore",
            dependencies: [
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Tagged", package: "swift-tagged"),
            ]
        ),
        // The commands of the `channelbook` executable, as a library so tests can run them in-process.
        .target(
            name: "ChannelbookCLI",
            dependencies: [
                "ChannelbookCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "channelbook", dependencies: ["ChannelbookCLI"]),
        .testTarget(
            name: "ChannelbookCoreTests",
            dependencies: [
                "ChannelbookCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "ChannelbookCLITests",
            dependencies: ["ChannelbookCLI", "channelbook"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
