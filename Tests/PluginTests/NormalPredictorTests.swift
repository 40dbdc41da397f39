import Foundation
import RecKit
import Testing

/// NormalPredictor: N(μ̂, σ̂²) with maximum-likelihood estimates from the training ratings.
///
/// Training ratings 1, 2, 3, 4, 5 (users 0–4 rate item 0):
///     μ̂ = 15/5 = 3,   σ̂ = sqrt(((−2)² + (−1)² + 0² + 1² + 2²)/5) = sqrt(10/5) = √2 ≈ 1.41421
/// (the unbiased estimate would be sqrt(10/4) ≈ 1.58114: the test tells the two apart).
@Suite("NormalPredictor")
struct NormalPredictorTests {
    static let users = 200, items = 200

    static func fitted(_ given: [String: ParameterValue] = [:], seed: UInt64 = 0) throws -> PluginHarness.Fitted {
        let train = try PluginHarness.matrix(users: users, items: items, (0..<5).map { (Int32($0), 0, Float($0 + 1)) })
        return try PluginHarness.fit(try PluginHarness.load("NormalPredictor"), given, train: train, seed: seed)
    }

    static func allScores(_ model: PluginModel) throws -> [Float] {
        try PluginHarness.score(model, users: (0..<Int32(users)).map { $0 }, itemCount: items)
    }

    @Test("manifest: Surprise's name, a seed parameter, both capabilities")
    func manifest() throws {
        let plugin = try PluginHarness.load("NormalPredictor")
        #expect(plugin.manifest.name == "NormalPredictor")
        #expect(plugin.manifest.parameters.map(\.name) == ["seed"])
        #expect(plugin.manifest.parameter(named: "seed")?.defaultValue == .int(-1))
        #expect(Set(plugin.manifest.capabilities) == [.ratingPrediction, .implicitRanking])
    }

    @Test("fitted μ and σ are the maximum-likelihood estimates (read from the fit log)")
    func estimates() throws {
        let log = try Self.fitted().log.joined(separator: "\n")
        // The log line is "mean <μ> std <σ> over <n> ratings".
        let fields = log.split(separator: " ")
        let mean = Double(fields[fields.firstIndex(of: "mean")! + 1])!
        let std = Double(fields[fields.firstIndex(of: "std")! + 1])!
        #expect(mean == 3)
        #expect(abs(std - 2.0.squareRoot()) < 1e-12)
    }

    @Test("40,000 draws have mean ≈ 3 and standard deviation ≈ √2")
    func draws() throws {
        let scores = try Self.allScores(Self.fitted().model).map(Double.init)
        let n = Double(scores.count)  // 200 × 200 = 40,000 pairs, one draw each
        let mean = scores.reduce(0, +) / n
        let std = (scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
        // Standard errors for N = 40,000 normal draws: of the mean σ/√N = 1.41421/200 ≈ 0.00707,
        // of the standard deviation σ/√(2N) = 1.41421/282.8 ≈ 0.0050. Tolerances of about five
        // standard errors (0.035 and 0.025) fail a correct sampler with probability < 1e-6, while
        // the unbiased σ (1.58114, off by 0.167) or a wrong mean would be far outside them. The
        // draws are seeded, so the outcome is fixed anyway: the check is against a wrong formula.
        #expect(abs(mean - 3) < 0.035, "mean \(mean)")
        #expect(abs(std - 2.0.squareRoot()) < 0.025, "std \(std)")
        // Roughly 68.3% within one σ (binomial SE sqrt(0.683 × 0.317 / 40,000) ≈ 0.0023; tolerance 0.012).
        let within = Double(scores.filter { abs($0 - 3) < 2.0.squareRoot() }.count) / n
        #expect(abs(within - 0.6827) < 0.012, "fraction within one σ: \(within)")
    }

    @Test("same seed gives the same draws, another seed others; the seed parameter overrides the run's")
    func determinism() throws {
        let first = try Self.allScores(Self.fitted(seed: 1).model)
        let again = try Self.allScores(Self.fitted(seed: 1).model)
        let other = try Self.allScores(Self.fitted(seed: 2).model)
        #expect(first == again)
        #expect(first != other)
        let ownA = try Self.allScores(Self.fitted(["seed": .int(7)], seed: 1).model)
        let ownB = try Self.allScores(Self.fitted(["seed": .int(7)], seed: 99).model)
        #expect(ownA == ownB)
        #expect(ownA != first)
    }

    @Test("a pair's draw does not depend on call order, blocking, or predict versus score")
    func orderIndependence() throws {
        let model = try Self.fitted().model
        let all = try Self.allScores(model)
        // One user alone gives the same row as the full block.
        let row = try PluginHarness.score(model, users: [37], itemCount: Self.items)
        #expect(row == Array(all[(37 * Self.items)..<(38 * Self.items)]))
        // Pairs predicted in one order, then reversed, then one at a time.
        let pairs: [(Int32, Int32)] = [(0, 0), (5, 17), (199, 199), (37, 3), (5, 17)]
        let forward = try PluginHarness.predict(model, pairs)
        let backward = try PluginHarness.predict(model, pairs.reversed())
        #expect(forward == backward.reversed())
        #expect(forward[1] == forward[4])
        for (k, pair) in pairs.enumerated() {
            #expect(try PluginHarness.predict(model, [pair]) == [forward[k]])
            #expect(forward[k] == all[Int(pair.0) * Self.items + Int(pair.1)])
        }
    }
}
