// swift-tools-version: 6.1
//
// An out-of-tree recbench plugin: its own package, built on its own, depending only on recbench's
// contract library (RecKit) and shared kernels (RecMath). The recbench host is not rebuilt.
//
//   swift build -c release --package-path examples/swift-plugin
//   recbench --plugin-dir examples/swift-plugin/.build/release plugins
//
// A plugin outside this repository would name recbench by URL instead of path.

import PackageDescription

let package = Package(
    name: "recbench-example-plugin",
    products: [
        // A dynamic library product named after the plugin: libCoOccurrence.so.
        .library(name: "CoOccurrence", type: .dynamic, targets: ["CoOccurrence"]),
    ],
    dependencies: [
        .package(name: "recbench", path: "../.."),
    ],
    targets: [
        .target(
            name: "CoOccurrence",
            dependencies: [
                .product(name: "RecKit", package: "recbench"),
                .product(name: "RecMath", package: "recbench"),
            ]),
    ]
)
