import Foundation
import RecKit
import RecMath
import Testing

/// NMF on a matrix small enough to step through by hand.
///
///          i0  i1  i2
///     u0    5   3   ·
///     u1    2   ·   ·
///
/// Item i2 has no ratings. μ = (5 + 3 + 2)/3 = 10/3.
@Suite("NMF")
struct NMFTests {
    static func train() throws -> CSRMatrix {
        try PluginHarness.matrix(users: 2, items: 3, [(0, 0, 5), (0, 1, 3), (1, 0, 2)])
    }

    /// One factor, every factor starting at exactly 0.5 (init_low = init_high = 0.5), λ_u = λ_i = 0.5.
    static let oneStep: [String: ParameterValue] = [
        "n_factors": .int(1), "n_epochs": .int(1), "init_low": .float(0.5), "init_high": .float(0.5),
        "reg_pu": .float(0.5), "reg_qi": .float(0.5),
    ]

    /// A 5 × 6 matrix: user u4 and item i5 have no ratings.
    static func larger() throws -> CSRMatrix {
        var triples: [(Int32, Int32, Float)] = []
        for u in 0..<4 {
            for i in 0..<5 where (u + i) % 4 != 1 { triples.append((Int32(u), Int32(i), Float(1 + (2 * u + 3 * i) % 5))) }
        }
        return try PluginHarness.matrix(users: 5, items: 6, triples)
    }

    static func losses(_ log: [String]) -> [Double] {
        log.compactMap { line in line.split(separator: " ").last.flatMap { Double($0) } }
    }

    @Test("manifest: Surprise's name and defaults, both capabilities")
    func manifest() throws {
        let manifest = try PluginHarness.load("NMF").manifest
        #expect(manifest.name == "NMF")
        #expect(manifest.version == "1.0.0")
        #expect(Set(manifest.capabilities) == [.ratingPrediction, .implicitRanking])
        // Through JSON a float default such as 0 comes back as an int: compare in the parameter's own type.
        let defaults = Dictionary(uniqueKeysWithValues: try manifest.parameters.map { ($0.name, try $0.check($0.defaultValue)) })
        #expect(defaults == [
            "n_factors": .int(15), "n_epochs": .int(50), "biased": .bool(false),
            "reg_pu": .float(0.06), "reg_qi": .float(0.06), "reg_bu": .float(0.02), "reg_bi": .float(0.02),
            "lr_bu": .float(0.005), "lr_bi": .float(0.005), "init_low": .float(0), "init_high": .float(1),
            "seed": .int(-1),
        ])
    }

    /// Unbiased: r̂ = p·q = 0.25 for every rating during the epoch (factors as at its start).
    ///     u0: num = 0.5·5 + 0.5·3 = 4;  den = 0.5·0.25 + 0.5·0.25 + |I_u0|·λ·p = 0.25 + 2·0.5·0.5 = 0.75;  p_u0 = 0.5·4/0.75 = 8/3
    ///     u1: num = 0.5·2 = 1;          den = 0.125 + 1·0.5·0.5 = 0.375;                                  p_u1 = 0.5·1/0.375 = 4/3
    ///     i0: num = 0.5·5 + 0.5·2 = 3.5; den = 0.25 + 2·0.5·0.5 = 0.75;                                   q_i0 = 0.5·3.5/0.75 = 7/3
    ///     i1: num = 0.5·3 = 1.5;        den = 0.125 + 0.25 = 0.375;                                       q_i1 = 0.5·1.5/0.375 = 2
    /// (the item sums use the users' factors from before their update).
    ///     (u1, i1) = 4/3 · 2 = 8/3;   (u0, i0) = 8/3 · 7/3 = 56/9
    /// Loss, (1/3) Σ [e² + 0.5(p_u² + q_i²)]:
    ///     e: 5 − 56/9 = −11/9, 3 − 16/3 = −7/3, 2 − 28/9 = −10/9  → Σe² = (121 + 441 + 100)/81 = 662/81
    ///     penalty: 0.5(64/9 + 49/9) + 0.5(64/9 + 4) + 0.5(16/9 + 49/9) = (113 + 100 + 65)/18 = 139/9 = 1251/81
    ///     loss = (662 + 1251)/81/3 = 1913/243 = 7.8724280
    @Test("one epoch of multiplicative updates worked by hand")
    func oneEpoch() throws {
        let fitted = try PluginHarness.fit(try PluginHarness.load("NMF"), Self.oneStep, train: Self.train())
        let predicted = try PluginHarness.predict(fitted.model, [(1, 1), (0, 0)])
        #expect(abs(Double(predicted[0]) - 8.0 / 3) < 1e-5, "got \(predicted[0])")
        #expect(abs(Double(predicted[1]) - 56.0 / 9) < 1e-5, "got \(predicted[1])")
        #expect(fitted.log.count == 1)
        let loss = try #require(Self.losses(fitted.log).first)
        #expect(abs(loss - 1913.0 / 243) < 1e-5, "got \(loss)")
    }

    /// Biased, lr_bu = lr_bi = 0.1, reg_bu = reg_bi = 0.5; r̂ now includes μ and the biases as they move:
    ///     (u0, i0, 5): r̂ = 10/3 + 0.25 = 3.5833333, e = 1.4166667; b_u0 = b_i0 = 0.1416667
    ///     (u0, i1, 3): r̂ = 10/3 + 0.1416667 + 0.25 = 3.725, e = −0.725; b_u0 = 0.1416667 + 0.1(−0.725 − 0.0708333) = 0.0620833; b_i1 = −0.0725
    ///     (u1, i0, 2): r̂ = 10/3 + 0.1416667 + 0.25 = 3.725, e = −1.725; b_u1 = −0.1725; b_i0 = 0.1416667 + 0.1(−1.725 − 0.0708333) = −0.0379167
    ///     u1: num = 0.5·2 = 1, den = 0.5·3.725 + 1·0.5·0.5 = 2.1125 → p_u1 = 0.5/2.1125 = 0.2366864
    ///     i1: num = 0.5·3 = 1.5, den = 0.5·3.725 + 0.25 = 2.1125 → q_i1 = 0.75/2.1125 = 0.3550296
    ///     (u1, i1) = 10/3 − 0.1725 − 0.0725 + 0.2366864·0.3550296 = 3.0883333 + 0.0840307 = 3.1723640
    @Test("biased: one epoch worked by hand")
    func biasedEpoch() throws {
        var parameters = Self.oneStep
        parameters["biased"] = .bool(true)
        for name in ["lr_bu", "lr_bi"] { parameters[name] = .float(0.1) }
        for name in ["reg_bu", "reg_bi"] { parameters[name] = .float(0.5) }
        let model = try PluginHarness.fit(try PluginHarness.load("NMF"), parameters, train: Self.train()).model
        let predicted = try PluginHarness.predict(model, [(1, 1)])
        #expect(abs(Double(predicted[0]) - 3.1723640) < 1e-5, "got \(predicted[0])")
        // Item i2 has no ratings: μ + b_u1 = 10/3 − 0.1725.
        let scores = try PluginHarness.score(model, users: [1], itemCount: 3)
        #expect(abs(Double(scores[2]) - (10.0 / 3 - 0.1725)) < 1e-5)
    }

    /// Unbiased with an unknown item: Surprise's PredictionImpossible, the global mean 10/3.
    @Test("score: every item as predict; the item without ratings gets the global mean")
    func score() throws {
        let model = try PluginHarness.fit(try PluginHarness.load("NMF"), Self.oneStep, train: Self.train()).model
        let scores = try PluginHarness.score(model, users: [0, 1], itemCount: 3)
        #expect(abs(Double(scores[2]) - 10.0 / 3) < 1e-5)
        #expect(abs(Double(scores[5]) - 10.0 / 3) < 1e-5)
        #expect(try PluginHarness.predict(model, [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]) == scores)
    }

    /// Surprise's `NMF.sgd` transcribed literally (all users' factors updated after the whole pass), in
    /// Double, from the plugin's documented initialisation (Float draws of init_low + (init_high −
    /// init_low)·U from SeededGenerator(seed): p rows, then q).
    static func literalSurprise(_ train: CSRMatrix, factors: Int, epochs: Int, seed: UInt64, biased: Bool) -> (Int, Int) -> Double {
        let (regPu, regQi, regBu, regBi, lrBu, lrBi) = (0.06, 0.06, 0.02, 0.02, 0.005, 0.005)
        var generator = SeededGenerator(seed: seed)
        func draw(_ rows: Int) -> [[Double]] { (0..<rows).map { _ in (0..<factors).map { _ in Double(Float(generator.nextDouble())) } } }
        var p = draw(train.rowCount), q = draw(train.columnCount)
        var bu = [Double](repeating: 0, count: train.rowCount), bi = [Double](repeating: 0, count: train.columnCount)
        let globalMean = Double(train.values.reduce(0, +)) / Double(train.nonZeroCount)
        let mean = biased ? globalMean : 0
        var itemCounts = [Int](repeating: 0, count: train.columnCount)
        for i in train.indices { itemCounts[Int(i)] += 1 }
        for _ in 0..<epochs {
            var userNum = [[Double]](repeating: [Double](repeating: 0, count: factors), count: train.rowCount)
            var userDen = userNum
            var itemNum = [[Double]](repeating: [Double](repeating: 0, count: factors), count: train.columnCount)
            var itemDen = itemNum
            for u in 0..<train.rowCount {
                for k in Int(train.indptr[u])..<Int(train.indptr[u + 1]) {
                    let i = Int(train.indices[k]), r = Double(train.values[k])
                    var dot = 0.0
                    for f in 0..<factors { dot += q[i][f] * p[u][f] }
                    let est = mean + bu[u] + bi[i] + dot, err = r - est
                    if biased {
                        bu[u] += lrBu * (err - regBu * bu[u])
                        bi[i] += lrBi * (err - regBi * bi[i])
                    }
                    for f in 0..<factors {
                        userNum[u][f] += q[i][f] * r
                        userDen[u][f] += q[i][f] * est
                        itemNum[i][f] += p[u][f] * r
                        itemDen[i][f] += p[u][f] * est
                    }
                }
            }
            for u in 0..<train.rowCount where train.indptr[u] < train.indptr[u + 1] {
                let n = Double(train.indptr[u + 1] - train.indptr[u])
                for f in 0..<factors where p[u][f] != 0 { p[u][f] *= userNum[u][f] / (userDen[u][f] + n * regPu * p[u][f]) }
            }
            for i in 0..<train.columnCount where itemCounts[i] > 0 {
                for f in 0..<factors where q[i][f] != 0 {
                    q[i][f] *= itemNum[i][f] / (itemDen[i][f] + Double(itemCounts[i]) * regQi * q[i][f])
                }
            }
        }
        return { u, i in
            let knownUser = train.indptr[u] < train.indptr[u + 1], knownItem = itemCounts[i] > 0
            let dot = knownUser && knownItem ? (0..<factors).reduce(0) { $0 + q[i][$1] * p[u][$1] } : 0
            guard biased else { return knownUser && knownItem ? dot : globalMean }
            return globalMean + (knownUser ? bu[u] : 0) + (knownItem ? bi[i] : 0) + dot
        }
    }

    @Test("equals Surprise's literal loop (user factors updated after the whole pass), unbiased and biased",
          arguments: [false, true])
    func matchesLiteralLoop(biased: Bool) throws {
        let train = try Self.larger()
        let fitted = try PluginHarness.fit(
            try PluginHarness.load("NMF"),
            ["n_factors": .int(3), "n_epochs": .int(8), "biased": .bool(biased), "seed": .int(5)], train: train)
        let reference = Self.literalSurprise(train, factors: 3, epochs: 8, seed: 5, biased: biased)
        let scores = try PluginHarness.score(fitted.model, users: [0, 1, 2, 3, 4], itemCount: 6)
        for u in 0..<5 {
            for i in 0..<6 {
                let want = reference(u, i)
                #expect(abs(Double(scores[u * 6 + i]) - want) < 1e-4, "(u\(u), i\(i)): got \(scores[u * 6 + i]), want \(want)")
            }
        }
    }

    @Test("factors stay non-negative: every unbiased estimate is ≥ 0 after many epochs")
    func nonNegative() throws {
        let model = try PluginHarness.fit(try PluginHarness.load("NMF"), ["n_factors": .int(4), "n_epochs": .int(200)],
                                          train: Self.larger(), seed: 2).model
        let scores = try PluginHarness.score(model, users: [0, 1, 2, 3, 4], itemCount: 6)
        #expect(scores.allSatisfy { $0 >= 0 && $0.isFinite }, "\(scores)")
    }

    /// Surprise skips factors that are exactly 0 (`if pu[u, f] != 0`), so they stay 0 instead of 0·0/0.
    @Test("factors that start at zero stay zero (no 0/0)")
    func zeroFactorsStayZero() throws {
        let model = try PluginHarness.fit(try PluginHarness.load("NMF"),
                                          ["n_factors": .int(2), "n_epochs": .int(3), "init_low": .float(0), "init_high": .float(0)],
                                          train: Self.train()).model
        #expect(try PluginHarness.predict(model, [(0, 0), (0, 1), (1, 0), (1, 1)]) == [0, 0, 0, 0])
    }

    /// p and q take their multiplicative steps together from the same pass, so on a small dense
    /// matrix the product overshoots and the loss zig-zags from one epoch to the next (Surprise's
    /// algorithm does the same: see the literal-loop test); over every two epochs it falls. On
    /// MovieLens 100K with the defaults it falls every epoch.
    @Test("training loss decreases over every two epochs, and overall")
    func lossDecreases() throws {
        let fitted = try PluginHarness.fit(try PluginHarness.load("NMF"), ["n_factors": .int(4), "n_epochs": .int(30)],
                                           train: Self.larger(), seed: 3)
        let losses = Self.losses(fitted.log)
        #expect(losses.count == 30)
        for (earlier, later) in zip(losses, losses.dropFirst(2)) { #expect(later < earlier, "\(losses)") }
        #expect(try #require(losses.last) < 0.5 * losses[0], "\(losses)")
    }

    @Test("same seed → identical predictions; another seed → different")
    func determinism() throws {
        let plugin = try PluginHarness.load("NMF")
        func run(_ seed: UInt64) throws -> [Float] {
            try PluginHarness.score(PluginHarness.fit(plugin, ["n_factors": .int(4)], train: Self.larger(), seed: seed).model,
                                    users: [0, 1, 2, 3], itemCount: 6)
        }
        #expect(try run(7) == run(7))
        #expect(try run(7) != run(8))
    }

    @Test("init_high below init_low is refused")
    func badInitRange() throws {
        let plugin = try PluginHarness.load("NMF")
        #expect(throws: (any Error).self) {
            try PluginHarness.fit(plugin, ["init_low": .float(0.8), "init_high": .float(0.2)], train: Self.train())
        }
    }
}
