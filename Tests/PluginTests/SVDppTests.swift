import Foundation
import RecKit
import RecMath
import Testing

/// SVD++ on a matrix small enough to step through by hand.
///
///          i0  i1  i2
///     u0    5   3   ·        I_u0 = {i0, i1}, |I_u0|^(-1/2) = 1/√2
///     u1    4   ·   ·        I_u1 = {i0}
///
/// Item i2 has no ratings. μ = (5 + 3 + 4)/3 = 4.
@Suite("SVDpp")
struct SVDppTests {
    static func train() throws -> CSRMatrix {
        try PluginHarness.matrix(users: 2, items: 3, [(0, 0, 5), (0, 1, 3), (1, 0, 4)])
    }

    /// One factor, p, q and y all starting at exactly 0.5, γ = 0.1, λ = 0.5.
    static let oneStep: [String: ParameterValue] = [
        "n_factors": .int(1), "n_epochs": .int(1), "init_mean": .float(0.5), "init_std_dev": .float(0),
        "lr_all": .float(0.1), "reg_all": .float(0.5),
    ]

    static func losses(_ log: [String]) -> [Double] {
        log.compactMap { line in line.split(separator: " ").last.flatMap { Double($0) } }
    }

    @Test("manifest: Surprise's name and defaults, both capabilities")
    func manifest() throws {
        let manifest = try PluginHarness.load("SVDpp").manifest
        #expect(manifest.name == "SVDpp")
        #expect(manifest.version == "1.0.0")
        #expect(Set(manifest.capabilities) == [.ratingPrediction, .implicitRanking])
        // Through JSON a float default such as 0 comes back as an int: compare in the parameter's own type.
        let defaults = Dictionary(uniqueKeysWithValues: try manifest.parameters.map { ($0.name, try $0.check($0.defaultValue)) })
        #expect(defaults == [
            "n_factors": .int(20), "n_epochs": .int(20), "init_mean": .float(0), "init_std_dev": .float(0.1),
            "lr_all": .float(0.007), "reg_all": .float(0.02),
            "lr_bu": .float(-1), "lr_bi": .float(-1), "lr_pu": .float(-1), "lr_qi": .float(-1), "lr_yj": .float(-1),
            "reg_bu": .float(-1), "reg_bi": .float(-1), "reg_pu": .float(-1), "reg_qi": .float(-1), "reg_yj": .float(-1),
            "seed": .int(-1),
        ])
    }

    /// Surprise's step, rating by rating (z = |I_u|^(-1/2) Σ_{j∈I_u} y_j from the current y; every
    /// update from the values before it; y_j ← y_j + 0.1(e·q_i/√|I_u| − 0.5·y_j) for j ∈ I_u):
    ///     (u0, i0, 5): z = (0.5 + 0.5)/√2 = 0.7071068; r̂ = 4 + 0.5(0.5 + 0.7071068) = 4.6035534; e = 0.3964466
    ///         b_u0 = b_i0 = 0.1·0.3964466 = 0.0396447
    ///         p_u0 = 0.5 + 0.1(0.3964466·0.5 − 0.25) = 0.4948223
    ///         q_i0 = 0.5 + 0.1(0.3964466·1.2071068 − 0.25) = 0.5228553
    ///         y_i0 = y_i1 = 0.5 + 0.1(0.3964466·0.5/√2 − 0.25) = 0.4890165
    ///     (u0, i1, 3): z = 2·0.4890165/√2 = 0.6915738; r̂ = 4 + 0.0396447 + 0.5(0.4948223 + 0.6915738) = 4.6328427; e = −1.6328427
    ///         b_u0 = 0.0396447 + 0.1(−1.6328427 − 0.5·0.0396447) = −0.1256218;   b_i1 = −0.1632843
    ///         p_u0 = 0.4948223 + 0.1(−1.6328427·0.5 − 0.5·0.4948223) = 0.3884391
    ///         q_i1 = 0.5 + 0.1(−1.6328427·1.1863961 − 0.25) = 0.2812802
    ///         y_i0 = y_i1 = 0.4890165 + 0.1(−1.6328427·0.5/√2 − 0.5·0.4890165) = 0.4068360
    ///     (u1, i0, 4): z = y_i0 = 0.4068360; r̂ = 4 + 0.0396447 + 0.5228553(0.5 + 0.4068360) = 4.5137887; e = −0.5137887
    ///         b_u1 = −0.0513789;   b_i0 = 0.0396447 + 0.1(−0.5137887 − 0.0198223) = −0.0137164
    ///         p_u1 = 0.5 + 0.1(−0.5137887·0.5228553 − 0.25) = 0.4481363
    ///         q_i0 = 0.5228553 + 0.1(−0.5137887·0.9068360 − 0.2614277) = 0.4501204
    ///         y_i0 = 0.4068360 + 0.1(−0.5137887·0.5228553 − 0.2034180) = 0.3596305
    /// Predictions (z_u from the final y: z_u0 = (0.3596305 + 0.4068360)/√2 = 0.5419736, z_u1 = 0.3596305):
    ///     (u1, i1) = 4 − 0.0513789 − 0.1632843 + 0.2812802(0.4481363 + 0.3596305) = 3.7853369 + 0.2272088 = 4.0125457
    ///     (u0, i0) = 4 − 0.1256218 − 0.0137164 + 0.4501204(0.3884391 + 0.5419736) = 3.8606617 + 0.4187977 = 4.2794594
    @Test("one SGD epoch worked by hand")
    func oneEpoch() throws {
        let fitted = try PluginHarness.fit(try PluginHarness.load("SVDpp"), Self.oneStep, train: Self.train())
        let predicted = try PluginHarness.predict(fitted.model, [(1, 1), (0, 0)])
        #expect(abs(Double(predicted[0]) - 4.0125457) < 1e-5, "got \(predicted[0])")
        #expect(abs(Double(predicted[1]) - 4.2794594) < 1e-5, "got \(predicted[1])")
        #expect(fitted.log.count == 1)
        #expect(fitted.log.first?.hasPrefix("epoch 1/1 loss ") == true)
    }

    /// An item without ratings: its bias and factors count as zero, (u0, i2) = μ + b_u0 = 4 − 0.1256218.
    @Test("score: every item as predict; the item without ratings gets μ + b_u")
    func score() throws {
        let model = try PluginHarness.fit(try PluginHarness.load("SVDpp"), Self.oneStep, train: Self.train()).model
        let scores = try PluginHarness.score(model, users: [0, 1], itemCount: 3)
        #expect(abs(Double(scores[2]) - 3.8743782) < 1e-5)
        #expect(try PluginHarness.predict(model, [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]) == scores)
    }

    /// A 5 × 6 matrix: user u4 and item i5 have no ratings.
    static func larger() throws -> CSRMatrix {
        var triples: [(Int32, Int32, Float)] = []
        for u in 0..<4 {
            for i in 0..<5 where (u + i) % 4 != 1 { triples.append((Int32(u), Int32(i), Float(1 + (2 * u + 3 * i) % 5))) }
        }
        return try PluginHarness.matrix(users: 5, items: 6, triples)
    }

    /// Surprise's `SVDpp.sgd` transcribed literally (z_u recomputed and every y_j of I_u stepped on
    /// each rating, O(|I_u|² f) per user), in Double, from the plugin's documented initialisation
    /// (Float draws of N(init_mean, init_std_dev²) from SeededGenerator(seed): p rows, then q, then y).
    static func literalSurprise(_ train: CSRMatrix, factors: Int, epochs: Int, seed: UInt64,
                                lr: Double, reg: Double) -> (Int, Int) -> Double {
        var generator = SeededGenerator(seed: seed)
        func draw(_ rows: Int) -> [[Double]] {
            (0..<rows).map { _ in (0..<factors).map { _ in Double(Float(generator.nextGaussian(mean: 0, standardDeviation: 0.1))) } }
        }
        var p = draw(train.rowCount), q = draw(train.columnCount), y = draw(train.columnCount)
        var bu = [Double](repeating: 0, count: train.rowCount), bi = [Double](repeating: 0, count: train.columnCount)
        let mean = Double(train.values.reduce(0, +)) / Double(train.nonZeroCount)
        func rated(_ u: Int) -> [Int] { train.columns(of: u).map { Int($0) } }
        for _ in 0..<epochs {
            for u in 0..<train.rowCount {
                let items = rated(u), root = Double(items.count).squareRoot()
                for (offset, i) in items.enumerated() {
                    let r = Double(train.values[Int(train.indptr[u]) + offset])
                    var z = [Double](repeating: 0, count: factors)
                    for j in items { for f in 0..<factors { z[f] += y[j][f] / root } }
                    var dot = 0.0
                    for f in 0..<factors { dot += q[i][f] * (p[u][f] + z[f]) }
                    let e = r - (mean + bu[u] + bi[i] + dot)
                    bu[u] += lr * (e - reg * bu[u])
                    bi[i] += lr * (e - reg * bi[i])
                    for f in 0..<factors {
                        let puf = p[u][f], qif = q[i][f]
                        p[u][f] += lr * (e * qif - reg * puf)
                        q[i][f] += lr * (e * (puf + z[f]) - reg * qif)
                        for j in items { y[j][f] += lr * (e * qif / root - reg * y[j][f]) }
                    }
                }
            }
        }
        let knownItems = Set(train.indices.map { Int($0) })
        // Surprise's estimate: the terms of an unknown user or item are left out.
        return { u, i in
            let items = rated(u)
            var estimate = mean
            if !items.isEmpty { estimate += bu[u] }
            if knownItems.contains(i) { estimate += bi[i] }
            if !items.isEmpty, knownItems.contains(i) {
                let root = Double(items.count).squareRoot()
                for f in 0..<factors { estimate += q[i][f] * (p[u][f] + items.reduce(0) { $0 + y[$1][f] } / root) }
            }
            return estimate
        }
    }

    @Test("equals Surprise's literal O(|I_u|²) loop: the y bookkeeping changes cost, not mathematics")
    func matchesLiteralLoop() throws {
        let train = try Self.larger()
        let fitted = try PluginHarness.fit(
            try PluginHarness.load("SVDpp"),
            ["n_factors": .int(3), "n_epochs": .int(6), "lr_all": .float(0.05), "reg_all": .float(0.1), "seed": .int(11)],
            train: train)
        let reference = Self.literalSurprise(train, factors: 3, epochs: 6, seed: 11, lr: 0.05, reg: 0.1)
        let scores = try PluginHarness.score(fitted.model, users: [0, 1, 2, 3, 4], itemCount: 6)
        for u in 0..<5 {
            for i in 0..<6 {
                let want = reference(u, i)
                #expect(abs(Double(scores[u * 6 + i]) - want) < 1e-4, "(u\(u), i\(i)): got \(scores[u * 6 + i]), want \(want)")
            }
        }
    }

    @Test("training loss decreases epoch by epoch")
    func lossDecreases() throws {
        let fitted = try PluginHarness.fit(try PluginHarness.load("SVDpp"),
                                           ["n_factors": .int(4), "n_epochs": .int(15), "lr_all": .float(0.02)],
                                           train: Self.larger(), seed: 3)
        let losses = Self.losses(fitted.log)
        #expect(losses.count == 15)
        for (earlier, later) in zip(losses, losses.dropFirst()) { #expect(later < earlier, "\(losses)") }
    }

    @Test("same seed → identical predictions; another seed → different")
    func determinism() throws {
        let plugin = try PluginHarness.load("SVDpp")
        func run(_ seed: UInt64) throws -> [Float] {
            try PluginHarness.score(PluginHarness.fit(plugin, ["n_factors": .int(4)], train: Self.larger(), seed: seed).model,
                                    users: [0, 1, 2, 3], itemCount: 6)
        }
        #expect(try run(7) == run(7))
        #expect(try run(7) != run(8))
    }
}
