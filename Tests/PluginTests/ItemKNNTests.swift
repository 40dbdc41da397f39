import RecKit
import Testing

/// ItemKNN through its .so on the 4 × 5 matrix of `SparseSimilarityTests` (RecMathTests):
///
///            i0 i1 i2 i3 i4
///      u0     1  1  ·  1  ·
///      u1     1  ·  1  ·  ·
///      u2     ·  1  1  1  ·
///      u3     1  1  ·  ·  1
///
/// Item cosines (co-occurrences over √(sizes), sizes 3, 3, 2, 2, 1):
///     (0,1) 2/3, (0,2) 1/√6, (0,3) 1/√6, (0,4) 1/√3, (1,2) 1/√6, (1,3) 2/√6, (1,4) 1/√3, (2,3) 1/2.
/// With topk = 2 the neighbourhoods N(i) are
///     N(0) = {1: 2/3, 4: 1/√3}    N(1) = {3: 2/√6, 0: 2/3}    N(2) = {3: 1/2, 0: 1/√6 (ties 1, lower index)}
///     N(3) = {1: 2/√6, 2: 1/2}    N(4) = {0: 1/√3, 1: 1/√3}
/// and s_ui = Σ_{j ∈ N(i)} S[i, j] x_uj.
@Suite("ItemKNN")
struct ItemKNNTests {
    static let triples: [(Int32, Int32, Float)] = [
        (0, 0, 1), (0, 1, 1), (0, 3, 1),
        (1, 0, 1), (1, 2, 1),
        (2, 1, 1), (2, 2, 1), (2, 3, 1),
        (3, 0, 1), (3, 1, 1), (3, 4, 1),
    ]

    @Test("manifest: name, capability, parameters with defaults and ranges")
    func manifest() throws {
        let plugin = try PluginHarness.load("ItemKNN")
        #expect(plugin.manifest.name == "ItemKNN")
        #expect(plugin.manifest.capabilities == [.implicitRanking])
        #expect(plugin.manifest.parameters.map(\.name) == [
            "similarity", "topk", "shrink", "asymmetric_alpha", "feature_weighting", "bm25_k1", "bm25_b", "normalize", "implicit",
        ])
        #expect(throws: (any Error).self) {
            try PluginParameters.resolve(["similarity": .string("pearson")], against: plugin.manifest)
        }
    }

    @Test("cosine, topk 2: scores worked by hand")
    func cosineTopTwo() throws {
        let train = try PluginHarness.matrix(users: 4, items: 5, Self.triples)
        let model = try PluginHarness.fit(try PluginHarness.load("ItemKNN"),
                                          ["topk": .int(2), "shrink": .float(0)], train: train).model
        let scores = try PluginHarness.score(model, users: [1, 2], itemCount: 5)
        let r3 = 3.0.squareRoot(), r6 = 6.0.squareRoot()
        let expected: [Double] = [
            // u1 has {0, 2}: i0 ← N(0) ∩ {0,2} = ∅; i1 ← S[1,0]; i2 ← S[2,0]; i3 ← S[3,2]; i4 ← S[4,0]
            0, 2.0 / 3, 1 / r6, 0.5, 1 / r3,
            // u2 has {1, 2, 3}: i0 ← S[0,1]; i1 ← S[1,3]; i2 ← S[2,3]; i3 ← S[3,1] + S[3,2]; i4 ← S[4,1]
            2.0 / 3, 2 / r6, 0.5, 2 / r6 + 0.5, 1 / r3,
        ]
        for (got, want) in zip(scores, expected) { #expect(abs(Double(got) - want) < 1e-6, "got \(got), want \(want)") }
    }

    @Test("ratings are ignored unless implicit = false")
    func implicitFlag() throws {
        let plugin = try PluginHarness.load("ItemKNN")
        let ones = try PluginHarness.matrix(users: 4, items: 5, Self.triples)
        let rated = try PluginHarness.matrix(users: 4, items: 5, Self.triples.enumerated().map { ($1.0, $1.1, Float(1 + $0 % 5)) })
        let a = try PluginHarness.score(try PluginHarness.fit(plugin, train: ones).model, users: [0, 1, 2, 3], itemCount: 5)
        let b = try PluginHarness.score(try PluginHarness.fit(plugin, train: rated).model, users: [0, 1, 2, 3], itemCount: 5)
        let c = try PluginHarness.score(try PluginHarness.fit(plugin, ["implicit": .bool(false)], train: rated).model,
                                        users: [0, 1, 2, 3], itemCount: 5)
        #expect(a == b)
        #expect(a != c)
    }

    @Test("BM25 weighting on rating values (numpy's values, /tmp/sparse/hand2.py)")
    func bm25() throws {
        // X = [[5,3,0,1,0],[4,0,2,0,0],[0,1,4,2,0],[3,5,0,0,1]]; items are BM25 documents (k1 1.2, b 0.75),
        // S = cosine of the weighted item vectors, unpruned; scores = X̃ Sᵀ. hand2.py printed for u1:
        //     [0.533096 0.477486 0.559566 0.446992 0.249228]
        // e.g. s(u1, i1) = S[1,0]·x̃(u1,i0) + S[1,2]·x̃(u1,i2) = 0.480399·0.744011 + 0.169387·0.708816.
        let train = try PluginHarness.matrix(users: 4, items: 5, [
            (0, 0, 5), (0, 1, 3), (0, 3, 1), (1, 0, 4), (1, 2, 2), (2, 1, 1), (2, 2, 4), (2, 3, 2),
            (3, 0, 3), (3, 1, 5), (3, 4, 1),
        ])
        let model = try PluginHarness.fit(try PluginHarness.load("ItemKNN"), [
            "implicit": .bool(false), "feature_weighting": .string("bm25"), "topk": .int(10), "shrink": .float(0),
        ], train: train).model
        let scores = try PluginHarness.score(model, users: [1], itemCount: 5)
        for (got, want) in zip(scores, [0.533096, 0.477486, 0.559566, 0.446992, 0.249228]) {
            #expect(abs(Double(got) - want) < 2e-6, "got \(got), want \(want)")
        }
    }

    @Test("a user outside the training matrix or a wrong item count is an error, not a crash")
    func badInput() throws {
        let train = try PluginHarness.matrix(users: 4, items: 5, Self.triples)
        let model = try PluginHarness.fit(try PluginHarness.load("ItemKNN"), train: train).model
        #expect(throws: (any Error).self) { try PluginHarness.score(model, users: [4], itemCount: 5) }
        #expect(throws: (any Error).self) { try PluginHarness.score(model, users: [0], itemCount: 6) }
    }
}
