import CXGBoost
import RecKit

/// A learning-to-rank booster through XGBoost's C API: trained on dense feature rows grouped by
/// user (one query per user), predicting one score per row.
final class Booster {
    private var handle: BoosterHandle?

    struct Settings {
        var objective: String
        var rounds: Int
        var learningRate: Double
        var maxDepth: Int
        var seed: UInt64
        var threads: Int
    }

    /// `rows` is rowCount × featureCount (row-major, NaN = missing); `groups` are the sizes of
    /// consecutive runs of rows that form one query, summing to rowCount.
    init(rows: [Float], featureCount: Int, labels: [Float], groups: [UInt32], settings: Settings) throws {
        let rowCount = labels.count
        precondition(rows.count == rowCount * featureCount && groups.reduce(0, { $0 + Int($1) }) == rowCount, "booster inputs disagree")
        let matrix = try Self.matrix(rows, rowCount: rowCount, featureCount: featureCount)
        defer { XGDMatrixFree(matrix) }
        try Self.check(labels.withUnsafeBufferPointer { XGDMatrixSetFloatInfo(matrix, "label", $0.baseAddress, UInt64(rowCount)) }, "setting labels")
        try Self.check(groups.withUnsafeBufferPointer { XGDMatrixSetUIntInfo(matrix, "group", $0.baseAddress, UInt64(groups.count)) }, "setting query groups")
        var inputs: [DMatrixHandle?] = [matrix]
        try Self.check(XGBoosterCreate(&inputs, 1, &handle), "creating the booster")
        let parameters: [(String, String)] = [
            ("objective", settings.objective), ("eta", String(settings.learningRate)), ("max_depth", String(settings.maxDepth)),
            ("tree_method", "hist"), ("seed", String(settings.seed % UInt64(Int32.max))), ("nthread", String(settings.threads)),
            ("eval_metric", "ndcg@10"), ("verbosity", "0"),
        ]
        for (name, value) in parameters {
            try Self.check(XGBoosterSetParam(handle, name, value), "setting \(name) = \(value)")
        }
        for round in 0..<settings.rounds {
            try Self.check(XGBoosterUpdateOneIter(handle, Int32(round), matrix), "boosting round \(round + 1)")
        }
    }

    deinit { if let handle { XGBoosterFree(handle) } }

    /// One score per row of `rows` (rowCount × featureCount).
    func predict(_ rows: [Float], rowCount: Int, featureCount: Int) throws -> [Float] {
        guard rowCount > 0 else { return [] }
        let matrix = try Self.matrix(rows, rowCount: rowCount, featureCount: featureCount)
        defer { XGDMatrixFree(matrix) }
        var length: UInt64 = 0
        var output: UnsafePointer<Float>?
        try Self.check(XGBoosterPredict(handle, matrix, 0, 0, 0, &length, &output), "predicting")
        guard let output, Int(length) == rowCount else { throw PluginError("TwoStage: XGBoost returned \(length) predictions for \(rowCount) rows") }
        return Array(UnsafeBufferPointer(start: output, count: rowCount))
    }

    /// Total gain of every feature that some split uses, by its column index ("f3" → 3).
    func totalGain() throws -> [Int: Double] {
        var count: UInt64 = 0, dimensions: UInt64 = 0
        var names: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        var shape: UnsafePointer<UInt64>?
        var scores: UnsafePointer<Float>?
        try Self.check(XGBoosterFeatureScore(handle, "{\"importance_type\": \"total_gain\"}", &count, &names, &dimensions, &shape, &scores),
                       "computing feature importance")
        var gains: [Int: Double] = [:]
        for k in 0..<Int(count) {
            guard let name = names?[k].map({ String(cString: $0) }), name.hasPrefix("f"), let column = Int(name.dropFirst()),
                  let score = scores?[k] else { continue }
            gains[column] = Double(score)
        }
        return gains
    }

    private static func matrix(_ rows: [Float], rowCount: Int, featureCount: Int) throws -> DMatrixHandle? {
        var matrix: DMatrixHandle?
        try check(rows.withUnsafeBufferPointer { XGDMatrixCreateFromMat($0.baseAddress, UInt64(rowCount), UInt64(featureCount), Float.nan, &matrix) },
                  "building a feature matrix")
        return matrix
    }

    private static func check(_ status: Int32, _ what: String) throws {
        guard status != 0 else { return }
        let message = XGBGetLastError().map { String(cString: $0) } ?? "unknown error"
        throw PluginError("TwoStage: XGBoost failed \(what): \(message)")
    }
}
