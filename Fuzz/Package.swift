// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for Channelbook's parsers: one executable per target, built with
// `swift build -c release --sanitize=fuzzer` (see scripts/fuzz.sh and docs/FUZZING.md).
// Each main.swift exports LLVMFuzzerTestOneInput and holds no top-level code, so it is compiled as a
// library module (-parse-as-library): libFuzzer's runtime provides `main`.
let fuzzTarget: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "ChannelbookFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Channelbook", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
    ],
    targets: [
        .executableTarget(
            name: "csv", dependencies: [.product(name: "ChannelbookImport", package: "Channelbook")], swiftSettings: fuzzTarget),
        .executableTarget(
            name: "rows",
            dependencies: [
                .product(name: "ChannelbookImport", package: "Channelbook"), .product(name: "ChannelbookCore", package: "Channelbook"),
            ],
            swiftSettings: fuzzTarget),
        .executableTarget(
            name: "money", dependencies: [.product(name: "ChannelbookCore", package: "Channelbook")], swiftSettings: fuzzTarget),
        .executableTarget(
            name: "dates", dependencies: [.product(name: "ChannelbookCore", package: "Channelbook")], swiftSettings: fuzzTarget),
        .executableTarget(
            name: "program", dependencies: [.product(name: "ChannelbookCore", package: "Channelbook")], swiftSettings: fuzzTarget),
        .executableTarget(
            name: "xlsx", dependencies: [.product(name: "ChannelbookImport", package: "Channelbook")], swiftSettings: fuzzTarget),
        .executableTarget(
            name: "multipart",
            dependencies: [.product(name: "ChannelbookUpload", package: "Channelbook"), .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: fuzzTarget),
    ],
    swiftLanguageModes: [.v6]
)
