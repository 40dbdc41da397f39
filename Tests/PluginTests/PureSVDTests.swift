import Foundation
import RecKit
import RecMath
import Testing

/// PureSVD through its .so. Expected scores X·V·Vᵀ (V = the top-k right singular vectors; the
/// product does not depend on their signs) printed by numpy:
///
///     X = np.array([[1., 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 1], [1, 1, 1, 0], [0, 0, 1, 1]])
///     U, s, Vt = np.linalg.svd(X, full_matrices=False); V = Vt[:2].T; print(X @ V @ V.T)
///     # and the same with the ratings matrix below (implicit = false)
@Suite("PureSVD")
struct PureSVDTests {
    ///          i0  i1  i2  i3
    ///     u0    5   3   ·   ·
    ///     u1    4   ·   1   ·
    ///     u2    ·   2   5   4
    ///     u3    1   1   4   ·
    ///     u4    ·   ·   3   5
    static func train() throws -> CSRMatrix {
        try PluginHarness.matrix(users: 5, items: 4, [(0, 0, 5), (0, 1, 3), (1, 0, 4), (1, 2, 1), (2, 1, 2), (2, 2, 5), (2, 3, 4),
                                                      (3, 0, 1), (3, 1, 1), (3, 2, 4), (4, 2, 3), (4, 3, 5)])
    }

    static func close(_ a: [Float], _ b: [Double], _ tolerance: Double = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - $1) <= tolerance }
    }

    static let binaryScores: [Double] = [
        1.014928737641, 0.71976236685, 0.336873532181, -0.270313004836,
        0.70657014083, 0.645232128993, 0.630013112459, 0.155244540071,
        0.216497698551, 0.569825195644, 1.213992082972, 0.934129582071,
        1.102566348161, 0.968998288511, 0.87924903412, 0.152067654536,
        -0.179498508781, 0.246059036126, 0.964756161311, 0.937306467606,
    ]

    @Test("manifest: name, capability, defaults")
    func manifest() throws {
        let manifest = try PluginHarness.load("PureSVD").manifest
        #expect(manifest.name == "PureSVD")
        #expect(manifest.capabilities == [.implicitRanking])
        let defaults = Dictionary(uniqueKeysWithValues: try manifest.parameters.map { ($0.name, try $0.check($0.defaultValue)) })
        #expect(defaults == ["factors": .int(20), "method": .string("auto"), "oversampling": .int(20),
                             "power_iterations": .int(4), "implicit": .bool(true), "seed": .int(-1),
                             "precision": .string("double")])
    }

    @Test("exact, binarised: scores equal numpy's X·V·Vᵀ with k = 2")
    func exactBinary() throws {
        let model = try PluginHarness.fit(try PluginHarness.load("PureSVD"), ["factors": .int(2), "method": .string("exact")],
                                          train: Self.train()).model
        let scores = try PluginHarness.score(model, users: [0, 1, 2, 3, 4], itemCount: 4)
        #expect(Self.close(scores, Self.binaryScores), "\(scores)")
    }

    @Test("implicit = false keeps the ratings (numpy), users in any order")
    func exactRatings() throws {
        let model = try PluginHarness.fit(try PluginHarness.load("PureSVD"),
                                          ["factors": .int(2), "method": .string("exact"), "implicit": .bool(false)],
                                          train: Self.train()).model
        let scores = try PluginHarness.score(model, users: [4, 0], itemCount: 4)
        #expect(Self.close(scores, [-0.573126867739, 0.715396514338, 3.997630915618, 3.692297458731,
                                    5.196328531686, 2.137305693397, 0.707515089268, -0.568398012697], 1e-4), "\(scores)")
    }

    /// Three blocks of users × items (10 × 8, 12 × 6, 8 × 6, all ones): rank 3, σ² = 80, 72, 48.
    /// Every row lies in the span of the top three right singular vectors, so x_u·V·Vᵀ = x_u: the
    /// scores are X itself, for the exact and the randomized decomposition alike.
    @Test("exact and randomized both reproduce a rank-3 matrix exactly")
    func exactVersusRandomized() throws {
        var triples: [(Int32, Int32, Float)] = []
        for (users, items) in [(0..<10, 0..<8), (10..<22, 8..<14), (22..<30, 14..<20)] {
            for u in users { for i in items { triples.append((Int32(u), Int32(i), 1)) } }
        }
        let train = try PluginHarness.matrix(users: 30, items: 20, triples)
        var dense = [Double](repeating: 0, count: 30 * 20)
        for (u, i, _) in triples { dense[Int(u) * 20 + Int(i)] = 1 }
        let plugin = try PluginHarness.load("PureSVD")
        let users = (0..<30).map(Int32.init)
        for method in ["exact", "randomized"] {
            let model = try PluginHarness.fit(plugin, ["factors": .int(3), "method": .string(method), "oversampling": .int(2),
                                                       "power_iterations": .int(1)], train: train, seed: 4).model
            #expect(Self.close(try PluginHarness.score(model, users: users, itemCount: 20), dense, 1e-5), "\(method)")
        }
    }

    @Test("precision = single gives numpy's scores too, exact and randomized, within Float's precision")
    func singlePrecision() throws {
        let plugin = try PluginHarness.load("PureSVD")
        for (method, iterations) in [("exact", Int64(0)), ("randomized", Int64(20))] {
            let model = try PluginHarness.fit(plugin, ["factors": .int(2), "method": .string(method), "oversampling": .int(1),
                                                       "power_iterations": .int(iterations), "precision": .string("single")],
                                              train: Self.train(), seed: 1).model
            let scores = try PluginHarness.score(model, users: [0, 1, 2, 3, 4], itemCount: 4)
            #expect(Self.close(scores, Self.binaryScores, 1e-4), "\(method): \(scores)")
        }
    }

    @Test("randomized with a generous subspace matches exact on the 5 × 4 example; factors beyond the rank are capped")
    func randomizedSmall() throws {
        let plugin = try PluginHarness.load("PureSVD")
        let fitted = try PluginHarness.fit(plugin, ["factors": .int(2), "method": .string("randomized"), "oversampling": .int(1),
                                                    "power_iterations": .int(20)], train: Self.train(), seed: 1)
        #expect(Self.close(try PluginHarness.score(fitted.model, users: [0, 1, 2, 3, 4], itemCount: 4), Self.binaryScores, 1e-4))
        // k = 9 > min(5, 4): capped at 4 with a warning; a full-rank V·Vᵀ is the identity, so scores = X.
        let capped = try PluginHarness.fit(plugin, ["factors": .int(9)], train: Self.train())
        #expect(capped.log.contains { $0.contains("using 4") })
        let scores = try PluginHarness.score(capped.model, users: [0], itemCount: 4)
        #expect(Self.close(scores, [1, 1, 0, 0], 1e-5), "\(scores)")
    }

    @Test("randomized is deterministic given the seed; the plugin's seed wins")
    func determinism() throws {
        var generator = SeededGenerator(seed: 3)
        var triples: [(Int32, Int32, Float)] = []
        for u in 0..<40 { for i in 0..<25 where generator.nextDouble() < 0.3 { triples.append((Int32(u), Int32(i), 1)) } }
        let train = try PluginHarness.matrix(users: 40, items: 25, triples)
        let plugin = try PluginHarness.load("PureSVD")
        func run(_ parameters: [String: ParameterValue], seed: UInt64) throws -> [Float] {
            let model = try PluginHarness.fit(plugin, parameters.merging(["factors": .int(5), "method": .string("randomized"),
                                                                          "oversampling": .int(2), "power_iterations": .int(0)]) { a, _ in a },
                                              train: train, seed: seed).model
            return try PluginHarness.score(model, users: (0..<40).map(Int32.init), itemCount: 25)
        }
        #expect(try run([:], seed: 1) == run([:], seed: 1))
        #expect(try run([:], seed: 1) != run([:], seed: 2))
        #expect(try run(["seed": .int(1)], seed: 2) == run([:], seed: 1))
    }

    @Test("score before fit and a wrong item count are errors")
    func errors() throws {
        let plugin = try PluginHarness.load("PureSVD")
        let unfitted = try plugin.makeModel(try PluginParameters.resolve([:], against: plugin.manifest).parameters)
        #expect(throws: (any Error).self) { try PluginHarness.score(unfitted, users: [0], itemCount: 4) }
        let model = try PluginHarness.fit(plugin, ["factors": .int(2)], train: Self.train()).model
        #expect(throws: (any Error).self) { try PluginHarness.score(model, users: [0], itemCount: 5) }
        #expect(throws: (any Error).self) { try PluginHarness.score(model, users: [7], itemCount: 4) }
    }
}
