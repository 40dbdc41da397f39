import Foundation
import RecKit
import RecMath
import Testing

/// Loads in-tree plugins through the real C boundary (the .so files next to the test runner) and
/// drives them the way the host does. Each plugin's tests live in `<Name>Tests.swift`.
enum PluginHarness {
    static let binDirectory: String = PluginSearchPath.executableDirectory()!

    /// The plugin `lib<name>.so` from the build folder.
    static func load(_ name: String) throws -> LoadedPlugin {
        try LoadedPlugin.load(path: "\(binDirectory)/lib\(name).so")
    }

    /// A users × items rating matrix from (user, item, rating) triples.
    static func matrix(users: Int, items: Int, _ triples: [(Int32, Int32, Float)]) throws -> CSRMatrix {
        try CSRMatrix(rowCount: users, columnCount: items, rows: triples.map(\.0), columns: triples.map(\.1),
                      values: triples.map(\.2))
    }

    /// A fitted model plus every message it logged during fit.
    struct Fitted {
        var model: PluginModel
        var log: [String]
    }

    static func fit(_ plugin: LoadedPlugin, _ given: [String: ParameterValue] = [:], train: CSRMatrix,
                    seed: UInt64 = 0) throws -> Fitted {
        let parameters = try PluginParameters.resolve(given, against: plugin.manifest).parameters
        let model = try plugin.makeModel(parameters)
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        let lines = Lines()
        try train.withView {
            try model.fit($0, seed: seed, threadCount: 2, callbacks: .init(log: { _, message in lines.all.append(message) }))
        }
        return Fitted(model: model, log: lines.all)
    }

    /// Predicted ratings for (user, item) pairs.
    static func predict(_ model: PluginModel, _ pairs: [(Int32, Int32)]) throws -> [Float] {
        let users = pairs.map(\.0), items = pairs.map(\.1)
        var out = [Float](repeating: .nan, count: pairs.count)
        try users.withUnsafeBufferPointer { users in
            try items.withUnsafeBufferPointer { items in
                try out.withUnsafeMutableBufferPointer { try model.predict(users: users, items: items, into: $0) }
            }
        }
        return out
    }

    /// Scores of `users` against all `itemCount` items, row-major.
    static func score(_ model: PluginModel, users: [Int32], itemCount: Int) throws -> [Float] {
        var out = [Float](repeating: .nan, count: users.count * itemCount)
        try users.withUnsafeBufferPointer { users in
            try out.withUnsafeMutableBufferPointer { try model.score(users: users, itemCount: itemCount, into: $0) }
        }
        return out
    }
}
