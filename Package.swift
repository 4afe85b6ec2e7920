// swift-tools-version:6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Sandcastle",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sandcastle", targets: ["sandcastle"]),
        .library(name: "SandcastleCore", targets: ["SandcastleCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .target(
            name: "SandcastleCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SandcastleTestSupport",
            dependencies: ["SandcastleCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SandcastleDirectorySink",
            dependencies: ["SandcastleCore"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "sandcastle",
            dependencies: [
                "SandcastleCore",
                "SandcastleDirectorySink",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "sandcastle-bench",
            dependencies: ["SandcastleCore"],
            path: "benchmarks/Sources/sandcastle-bench",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SandcastleCoreTests",
            dependencies: ["SandcastleCore", "SandcastleTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SandcastleDirectorySinkTests",
            dependencies: ["SandcastleDirectorySink", "SandcastleCore", "SandcastleTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "sandcastleTests",
            dependencies: ["sandcastle", "SandcastleCore", "SandcastleTestSupport"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
