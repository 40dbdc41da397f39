import RecKit
import Testing

/// P3alpha through its .so on the 4 × 5 matrix of `ItemKNNTests`.
///
///     Pui (user → item):  u0 {0,1,3} 1/3 each, u1 {0,2} 1/2, u2 {1,2,3} 1/3, u3 {0,1,4} 1/3
///     Piu (item → user):  i0 {u0,u1,u3} 1/3, i1 {u0,u2,u3} 1/3, i2 {u1,u2} 1/2, i3 {u0,u2} 1/2, i4 {u3} 1
///
/// W = Piu · Pui without its diagonal; the rows u1's items (i0, i2) need:
///     W[0,·] = ⅓(Pui[u0] + Pui[u1] + Pui[u3]) = (·, 2/9, 1/6, 1/9, 1/9)
///     W[2,·] = ½(Pui[u1] + Pui[u2])            = (1/4, 1/6, ·, 1/6, 0)
/// s_u1 = W[0,·] + W[2,·] = (1/4, 2/9 + 1/6, 1/6, 1/9 + 1/6, 1/9).
@Suite("P3alpha")
struct P3alphaTests {
    static let triples: [(Int32, Int32, Float)] = [
        (0, 0, 1), (0, 1, 1), (0, 3, 1),
        (1, 0, 1), (1, 2, 1),
        (2, 1, 1), (2, 2, 1), (2, 3, 1),
        (3, 0, 1), (3, 1, 1), (3, 4, 1),
    ]

    /// Scores of u1 with the plain walk (alpha 1, no pruning, no normalisation) unless overridden.
    static func scores(_ overrides: [String: ParameterValue], users: [Int32] = [1]) throws -> [Float] {
        let train = try PluginHarness.matrix(users: 4, items: 5, triples)
        var parameters: [String: ParameterValue] = ["alpha": .float(1), "topk": .int(100), "normalize": .bool(false)]
        parameters.merge(overrides) { $1 }
        let model = try PluginHarness.fit(try PluginHarness.load("P3alpha"), parameters, train: train).model
        return try PluginHarness.score(model, users: users, itemCount: 5)
    }

    @Test("manifest")
    func manifest() throws {
        let plugin = try PluginHarness.load("P3alpha")
        #expect(plugin.manifest.name == "P3alpha")
        #expect(plugin.manifest.parameters.map(\.name) == ["topk", "alpha", "normalize", "implicit"])
    }

    @Test("alpha 1, no pruning: the plain three-step walk")
    func plainWalk() throws {
        let expected = [0.25, 2.0 / 9 + 1.0 / 6, 1.0 / 6, 1.0 / 9 + 1.0 / 6, 1.0 / 9]
        for (got, want) in zip(try Self.scores(["alpha": .float(1)]), expected) {
            #expect(abs(Double(got) - want) < 1e-6, "got \(got), want \(want)")
        }
    }

    @Test("topk 1 keeps each row's largest step")
    func topOne() throws {
        // W[0,·] keeps i1 (2/9); W[2,·] keeps i0 (1/4) → s_u1 = (1/4, 2/9, 0, 0, 0).
        let expected = [0.25, 2.0 / 9, 0, 0, 0]
        for (got, want) in zip(try Self.scores(["topk": .int(1)]), expected) {
            #expect(abs(Double(got) - want) < 1e-6, "got \(got), want \(want)")
        }
    }

    @Test("alpha 0.5 square-roots every probability")
    func alphaHalf() throws {
        // W[0,j] = Σ_u √(1/3) √Pui[u,j]: W[0,1] = 2 · √(1/3)√(1/3) = 2/3, W[0,2] = √(1/3)√(1/2),
        // W[0,3] = W[0,4] = 1/3. W[2,j] = √(1/2) √Pui[u,j]: W[2,0] = √(1/2)√(1/2) = 1/2,
        // W[2,1] = W[2,3] = √(1/2)√(1/3).
        let a = (1.0 / 6).squareRoot()
        let expected = [0.5, 2.0 / 3 + a, a, 1.0 / 3 + a, 1.0 / 3]
        for (got, want) in zip(try Self.scores(["alpha": .float(0.5)]), expected) {
            #expect(abs(Double(got) - want) < 1e-6, "got \(got), want \(want)")
        }
    }

    @Test("normalize rescales each pruned row to sum to 1")
    func normalized() throws {
        // W[0,·] sums to 2/9 + 1/6 + 1/9 + 1/9 = 11/18; W[2,·] to 1/4 + 1/6 + 1/6 = 7/12.
        // s_u1 = W[0,·]·18/11 + W[2,·]·12/7 = (3/7, 4/11 + 2/7, 3/11, 2/11 + 2/7, 2/11).
        let expected = [3.0 / 7, 4.0 / 11 + 2.0 / 7, 3.0 / 11, 2.0 / 11 + 2.0 / 7, 2.0 / 11]
        for (got, want) in zip(try Self.scores(["normalize": .bool(true)]), expected) {
            #expect(abs(Double(got) - want) < 1e-6, "got \(got), want \(want)")
        }
    }
}
