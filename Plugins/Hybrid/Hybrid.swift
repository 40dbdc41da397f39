import Dispatch
import Foundation
import RecKit

/// Combines the models the experiment file names as its components (rb_components_v1), which it
/// fits on its own training matrix and scores through:
///
/// - `weighted`: Σ_c w_c · norm_c(s_c(u, i)), each component's scores normalised per user —
///   `minmax`: (s − min)/(max − min), `zscore`: (s − mean)/std (population std) — with min, max,
///   mean and std taken over the items the user has NOT interacted with in training (the items
///   the host can recommend; seen items, which factor models score high, would squash the scale).
///   A constant row normalises to 0.
/// - `rrf`: reciprocal-rank fusion Σ_c w_c / (k + rank_c(u, i)), rank 1 the component's best
///   unseen item (ties by ascending item id, the host's rule); seen items contribute nothing.
/// - `switching`: exactly two components; users with fewer than `switch_threshold` training
///   interactions get the second (the cold-start component), everyone else the first.
///
/// Weights (`weights`, one per component, default all 1) are parameters: tune them on the host's
/// validation part with `[models.grid] weights = ["1,0", "0.8,0.2", …]` and `select_by`.
public final class Hybrid: ComposingRecommender {
    public static let manifest = PluginManifest(
        name: "Hybrid",
        version: "1.0.0",
        description: "Combines component models: weighted score fusion (per-user min-max or z-score), reciprocal-rank fusion, or switching by user activity.",
        capabilities: [.implicitRanking],
        parameters: [
            HyperParameter("mode", .string, default: .string("weighted"),
                           choices: Mode.allCases.map { .string($0.rawValue) },
                           doc: "weighted: Σ w·normalised score; rrf: Σ w/(k + rank); switching: 2nd component for users with < switch_threshold training interactions, else the 1st"),
            HyperParameter("normalization", .string, default: .string("minmax"),
                           choices: Normalization.allCases.map { .string($0.rawValue) },
                           doc: "weighted mode: per-user normalisation of each component's scores over the user's unseen items"),
            HyperParameter("weights", .string, default: .string(""),
                           doc: "comma-separated non-negative weights, one per component in the file's order (weighted and rrf); empty: all 1"),
            HyperParameter("rrf_k", .float, default: .float(60), min: 0, max: 1e6,
                           doc: "rrf mode: the constant k of 1/(k + rank)"),
            HyperParameter("switch_threshold", .int, default: .int(5), min: 1, max: 1_000_000,
                           doc: "switching mode: users with fewer training interactions than this get the cold-start (second) component"),
        ])

    public enum Mode: String, CaseIterable, Sendable { case weighted, rrf, switching }
    public enum Normalization: String, CaseIterable, Sendable { case minmax, zscore }

    private let mode: Mode
    private let normalization: Normalization
    private let givenWeights: [Double]?
    private let rrfK: Double
    private let switchThreshold: Int
    private var components: [Component] = []
    private var weights: [Float] = []
    /// The training matrix's rows (seen items per user), copied at fit.
    private var indptr: [Int64] = []
    private var seenItems: [Int32] = []
    private var threadCount = 1

    public init(parameters: PluginParameters) throws {
        mode = Mode(rawValue: try parameters.string("mode"))!
        normalization = Normalization(rawValue: try parameters.string("normalization"))!
        let text = try parameters.string("weights").trimmingCharacters(in: .whitespaces)
        if text.isEmpty {
            givenWeights = nil
        } else {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let values = parts.map(Double.init)
            guard values.allSatisfy({ $0 != nil && $0! >= 0 && $0!.isFinite }), values.contains(where: { $0! > 0 }) else {
                throw PluginError("Hybrid: weights = \"\(text)\" must be comma-separated non-negative numbers, not all 0")
            }
            givenWeights = values.map { $0! }
        }
        rrfK = try parameters.double("rrf_k")
        switchThreshold = try parameters.int("switch_threshold")
    }

    public func setComponents(_ components: [Component]) throws {
        guard !components.isEmpty else { throw PluginError("Hybrid needs components: name them in the experiment file (components = [\"…\", \"…\"])") }
        if mode == .switching, components.count != 2 {
            throw PluginError("Hybrid: switching takes exactly 2 components (the model for active users, then the cold-start model), got \(components.count): \(components.map(\.name).joined(separator: ", "))")
        }
        if let givenWeights, mode != .switching, givenWeights.count != components.count {
            throw PluginError("Hybrid: weights has \(givenWeights.count) values for \(components.count) components (\(components.map(\.name).joined(separator: ", ")))")
        }
        self.components = components
        weights = (givenWeights ?? [Double](repeating: 1, count: components.count)).map(Float.init)
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        guard !components.isEmpty else { throw PluginError("Hybrid was given no components: name them in the experiment file (components = [\"…\", \"…\"])") }
        threadCount = context.threadCount
        indptr = Array(train.indptr)
        seenItems = Array(train.indices)
        for (index, component) in components.enumerated() {
            // Switching never asks a weight-0 component; fusion skips it too.
            if mode != .switching, weights[index] == 0 { continue }
            try context.progress(Double(index) / Double(components.count), "fitting \(component.name)")
            try component.fit(train, seed: context.seed)
        }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        if mode == .switching { return try switching(users: users, itemCount: itemCount, into: scores) }
        let cells = users.count * itemCount
        var buffer = [Float](repeating: 0, count: cells)
        for index in 0..<cells { scores[index] = 0 }
        let (mode, normalization, rrfK) = (self.mode, self.normalization, Float(self.rrfK))
        for (index, component) in components.enumerated() where weights[index] > 0 {
            try buffer.withUnsafeMutableBufferPointer { part in
                try component.score(users: users, itemCount: itemCount, into: part)
                let weight = weights[index]
                let (indptr, seenItems) = (self.indptr, self.seenItems)
                parallelRows(users.count) { row in
                    let user = Int(users[row])
                    seenItems.withUnsafeBufferPointer { all in
                    let seen = UnsafeBufferPointer(rebasing: all[Int(indptr[user])..<Int(indptr[user + 1])])
                    let source = UnsafeMutableBufferPointer(rebasing: part[(row * itemCount)..<((row + 1) * itemCount)])
                    let target = UnsafeMutableBufferPointer(rebasing: scores[(row * itemCount)..<((row + 1) * itemCount)])
                    switch mode {
                    case .weighted: Fusion.addNormalized(source, seen: seen, weight: weight, normalization: normalization, into: target)
                    default: Fusion.addReciprocalRank(source, seen: seen, weight: weight, k: rrfK, into: target)
                    }
                    }
                }
            }
        }
    }

    private func switching(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        // Each user is scored by exactly one component: group the block by which.
        let cold = users.indices.filter { Int(indptr[Int(users[$0]) + 1] - indptr[Int(users[$0])]) < switchThreshold }
        let coldSet = Set(cold)
        let warm = users.indices.filter { !coldSet.contains($0) }
        for (rows, component) in [(warm, components[0]), (cold, components[1])] where !rows.isEmpty {
            let ids = rows.map { users[$0] }
            var part = [Float](repeating: 0, count: rows.count * itemCount)
            try ids.withUnsafeBufferPointer { ids in
                try part.withUnsafeMutableBufferPointer { try component.score(users: ids, itemCount: itemCount, into: $0) }
            }
            for (offset, row) in rows.enumerated() {
                for item in 0..<itemCount { scores[row * itemCount + item] = part[offset * itemCount + item] }
            }
        }
    }

    /// Rows on up to `threadCount` threads: each row touches only its own slices.
    private func parallelRows(_ rows: Int, _ body: (Int) -> Void) {
        let parts = min(threadCount, rows)
        if parts <= 1 {
            for row in 0..<rows { body(row) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = SendableBox(body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                for row in (rows * part / parts)..<(rows * (part + 1) / parts) { shared.value(row) }
            }
        }
    }
}

private struct SendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: Hybrid.self)
}
