// swift-tools-version: 6.1
//
// recbench: the host executable, its libraries, and every in-tree plugin as its own dynamic library.
// One `swift build -c release` builds them all; plugins land next to `recbench` in the bin folder.
//
// Dependency arrows point one way:
//   RecPluginABI ◀ RecKit ◀ {RecMath, RecData, RecEval} ◀ {RecLedger, RecReport} ◀ RecBench ◀ recbench
// and a plugin depends on RecKit (and RecMath) only.

import Foundation
import PackageDescription

/// The hot kernels use Swift's SIMD8<Float>; compiled for baseline x86-64 (SSE2) each SIMD8 op is two
/// 128-bit instructions. On an x86-64 machine whose CPU has AVX2 (Linux: read from /proc/cpuinfo),
/// the code is compiled for it — like -march=native, but only AVX2: results are bit for bit the same
/// (no FMA contraction, no reassociation), only faster. RECBENCH_PORTABLE=1 builds for baseline
/// x86-64 (a binary to copy to an older machine).
let simdSettings: [SwiftSetting] = {
    #if arch(x86_64) && os(Linux)
    guard ProcessInfo.processInfo.environment["RECBENCH_PORTABLE"] != "1",
          let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = cpu.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
          flags.split(separator: " ").contains("avx2")
    else { return [] }
    return [.unsafeFlags(["-Xcc", "-mavx2"])]
    #else
    return []
    #endif
}()

/// An in-tree plugin: `Plugins/<name>/`, built as `lib<name>.so`.
func plugin(_ name: String, dependencies: [Target.Dependency] = ["RecKit", "RecMath"]) -> (Product, Target) {
    (
        .library(name: name, type: .dynamic, targets: ["\(name)Plugin"]),
        .target(name: "\(name)Plugin", dependencies: dependencies, path: "Plugins/\(name)", swiftSettings: simdSettings)
    )
}

let plugins = [
    plugin("Popularity"),
    plugin("Random"),
    plugin("NormalPredictor"),
    plugin("SlopeOne"),
    plugin("CoClustering"),
    plugin("SVD"),
    plugin("SVDpp"),
    plugin("NMF"),
    plugin("BaselineOnly"),
    plugin("KNNBasic"),
    plugin("KNNWithMeans"),
    plugin("KNNWithZScore"),
    plugin("KNNBaseline"),
    // Top-N ranking models (implicit feedback).
    plugin("ItemKNN"),
    plugin("UserKNN"),
    plugin("P3alpha"),
    plugin("RP3beta"),
    plugin("SLIM"),
    plugin("EASE"),
    plugin("PureSVD"),
    plugin("iALS"),
    plugin("ContentBased"),
    plugin("BPR"),
    plugin("LightGCN"),
    plugin("NGCF"),
    // Cold start and hybrids: combine other plugins' models through rb_components_v1.
    plugin("GenrePopularity"),
    plugin("Hybrid"),
    // Candidates from components re-ranked by XGBoost (libxgboost-dev), linked from this target only.
    plugin("TwoStage", dependencies: ["RecKit", "RecMath", "CXGBoost"]),
]

let package = Package(
    name: "recbench",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "recbench", targets: ["recbench"]),
        // What an out-of-tree plugin depends on: the contract and its Swift layer, plus shared kernels.
        .library(name: "RecKit", targets: ["RecKit"]),
        .library(name: "RecMath", targets: ["RecMath"]),
    ] + plugins.map(\.0),
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .target(name: "RecPluginABI"),
        .target(name: "RecKit", dependencies: ["RecPluginABI"]),
        // BLAS/LAPACK from the system's OpenBLAS (libopenblas-dev).
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(name: "RecMath", dependencies: ["RecKit", "CBLAS"], swiftSettings: simdSettings),
        .target(name: "RecTOML"),
        .target(name: "RecData", dependencies: ["RecKit", "RecMath"]),
        .target(name: "RecEval", dependencies: ["RecKit", "RecMath"], swiftSettings: simdSettings),
        .target(name: "RecLedger", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "RecReport", dependencies: ["RecLedger", "RecEval"]),
        .target(
            name: "RecBench",
            dependencies: ["RecKit", "RecMath", "RecData", "RecEval", "RecLedger", "RecReport", "RecTOML"]
        ),
        .executableTarget(
            name: "recbench",
            dependencies: ["RecBench", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        .testTarget(name: "RecTOMLTests", dependencies: ["RecTOML"]),
        .testTarget(name: "RecMathTests", dependencies: ["RecMath", "RecKit"]),
        .testTarget(name: "RecDataTests", dependencies: ["RecData", "RecMath"]),
        .testTarget(name: "RecEvalTests", dependencies: ["RecEval"]),
        .testTarget(
            name: "RecLedgerTests",
            dependencies: ["RecLedger", "RecReport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Loads built plugins (Tests/Fixtures, examples/) and drives the built `recbench` executable.
        .testTarget(name: "RecBenchTests", dependencies: ["RecBench", "RecKit", "RecData", "RecLedger"]),
        // Each in-tree plugin tested through the real C boundary (its .so), never linked in directly.
        .testTarget(name: "PluginTests", dependencies: ["RecKit", "RecMath"]),
    ] + plugins.map(\.1) + [
        // XGBoost's C API from the system (libxgboost-dev): only the TwoStage plugin links it.
        .systemLibrary(name: "CXGBoost", path: "Sources/CXGBoost"),
    ]
)
