import RecKit
import RecMath
import Testing

/// CoClustering: r̂_ui = C̄_ui + (μ_u − C̄_u) + (μ_i − C̄_i).
@Suite("CoClustering")
struct CoClusteringTests {
    /// Ratings for the degenerate case (item i3 has none):
    ///
    ///          i0  i1  i2  i3
    ///     u0    5   3   ·   ·      μ_u0 = 4
    ///     u1    4   ·   1   ·      μ_u1 = 5/2
    ///     u2    ·   2   3   ·      μ_u2 = 5/2
    ///     μ_i: 9/2, 5/2, 2         μ = (5+3+4+1+2+3)/6 = 3
    static func small() throws -> CSRMatrix {
        try PluginHarness.matrix(users: 3, items: 4, [(0, 0, 5), (0, 1, 3), (1, 0, 4), (1, 2, 1), (2, 1, 2), (2, 2, 3)])
    }

    /// 60 users × 40 items, about a third rated, ratings 1–5 from a fixed generator.
    static func random() throws -> CSRMatrix {
        var generator = SeededGenerator(seed: 2024)
        var triples: [(Int32, Int32, Float)] = []
        for user in 0..<60 {
            for item in 0..<40 where generator.nextInt(below: 3) == 0 {
                triples.append((Int32(user), Int32(item), Float(1 + generator.nextInt(below: 5))))
            }
        }
        return try PluginHarness.matrix(users: 60, items: 40, triples)
    }

    static func allPairs(users: Int32, items: Int32) -> [(Int32, Int32)] {
        (0..<users).flatMap { user in (0..<items).map { (user, $0) } }
    }

    @Test("manifest: Surprise's name, parameters and defaults")
    func manifest() throws {
        let manifest = try PluginHarness.load("CoClustering").manifest
        #expect(manifest.name == "CoClustering")
        #expect(manifest.parameters.map(\.name) == ["n_cltr_u", "n_cltr_i", "n_epochs", "seed"])
        #expect(manifest.parameters.map(\.defaultValue) == [.int(3), .int(3), .int(20), .int(-1)])
        #expect(Set(manifest.capabilities) == [.ratingPrediction, .implicitRanking])
    }

    @Test("one user cluster and one item cluster: r̂_ui = μ_u + μ_i − μ")
    func degenerate() throws {
        let plugin = try PluginHarness.load("CoClustering")
        // With a single cluster of each kind, C̄_ui = C̄_u = C̄_i = μ, so the formula reduces to
        // μ + (μ_u − μ) + (μ_i − μ) = μ_u + μ_i − μ whatever the seed and the number of epochs.
        for epochs: Int64 in [0, 1, 20] {
            let fitted = try PluginHarness.fit(plugin, ["n_cltr_u": .int(1), "n_cltr_i": .int(1), "n_epochs": .int(epochs)],
                                               train: Self.small(), seed: UInt64(epochs))
            let predicted = try PluginHarness.predict(fitted.model, [(0, 2), (1, 1), (2, 0), (0, 0), (1, 3)])
            let expected: [Float] = [
                3,    // (u0, i2): 4 + 2 − 3
                2,    // (u1, i1): 5/2 + 5/2 − 3
                4,    // (u2, i0): 5/2 + 9/2 − 3
                5.5,  // (u0, i0), a training pair: 4 + 9/2 − 3
                3,    // (u1, i3): i3 has no ratings → the global mean μ = 3
            ]
            for (got, want) in zip(predicted, expected) { #expect(abs(got - want) < 1e-6, "got \(got), want \(want)") }
            #expect(fitted.log.filter { $0.hasPrefix("epoch ") }.count == Int(epochs))
        }
    }

    @Test("same seed gives identical predictions; the seed parameter overrides the run's seed")
    func determinism() throws {
        let plugin = try PluginHarness.load("CoClustering")
        let pairs = Self.allPairs(users: 60, items: 40)
        let first = try PluginHarness.predict(PluginHarness.fit(plugin, train: Self.random(), seed: 3).model, pairs)
        let again = try PluginHarness.predict(PluginHarness.fit(plugin, train: Self.random(), seed: 3).model, pairs)
        #expect(first == again)
        // Different initial clusters end in different local optima on unstructured data.
        let seeds: [UInt64] = [4, 5, 6]
        let others = try seeds.map { try PluginHarness.predict(PluginHarness.fit(plugin, train: Self.random(), seed: $0).model, pairs) }
        #expect(others.contains { $0 != first })
        let ownA = try PluginHarness.predict(PluginHarness.fit(plugin, ["seed": .int(11)], train: Self.random(), seed: 1).model, pairs)
        let ownB = try PluginHarness.predict(PluginHarness.fit(plugin, ["seed": .int(11)], train: Self.random(), seed: 2).model, pairs)
        #expect(ownA == ownB)
    }

    @Test("score equals predict pair by pair; one log line per epoch")
    func scoreMatchesPredict() throws {
        let fitted = try PluginHarness.fit(try PluginHarness.load("CoClustering"), train: Self.random(), seed: 9)
        let scores = try PluginHarness.score(fitted.model, users: (0..<60).map { Int32($0) }, itemCount: 40)
        #expect(try PluginHarness.predict(fitted.model, Self.allPairs(users: 60, items: 40)) == scores)
        #expect(fitted.log.filter { $0.hasPrefix("epoch ") }.count == 20)
        #expect(fitted.log.last?.hasPrefix("epoch 20/20 ") == true)
    }
}
