import RecKit
import Testing

/// UserKNN through its .so on the 4 × 5 matrix of `ItemKNNTests`:
///
///            i0 i1 i2 i3 i4
///      u0     1  1  ·  1  ·       u0 = {0,1,3}, u1 = {0,2}, u2 = {1,2,3}, u3 = {0,1,4}
///      u1     1  ·  1  ·  ·
///      u2     ·  1  1  1  ·       overlaps: (0,1) 1, (0,2) 2, (0,3) 2, (1,2) 1, (1,3) 1, (2,3) 1
///      u3     1  1  ·  ·  1
///
/// User cosines: (0,1) 1/√6, (0,2) 2/3, (0,3) 2/3, (1,2) 1/√6, (1,3) 1/√6, (2,3) 1/3.
/// topk = 2: N(u0) = {u2, u3} (2/3 each); N(u1) = {u0, u2} (three-way tie at 1/√6: lowest indices);
/// N(u2) = {u0: 2/3, u1: 1/√6}; N(u3) = {u0: 2/3, u1: 1/√6}. s_ui = Σ_{v ∈ N(u)} S[u, v] x_vi.
@Suite("UserKNN")
struct UserKNNTests {
    static let triples: [(Int32, Int32, Float)] = [
        (0, 0, 1), (0, 1, 1), (0, 3, 1),
        (1, 0, 1), (1, 2, 1),
        (2, 1, 1), (2, 2, 1), (2, 3, 1),
        (3, 0, 1), (3, 1, 1), (3, 4, 1),
    ]

    @Test("manifest")
    func manifest() throws {
        let plugin = try PluginHarness.load("UserKNN")
        #expect(plugin.manifest.name == "UserKNN")
        #expect(plugin.manifest.capabilities == [.implicitRanking])
        #expect(plugin.manifest.parameter(named: "topk") != nil && plugin.manifest.parameter(named: "implicit") != nil)
    }

    @Test("cosine, topk 2: scores worked by hand, tie broken by lower user index")
    func cosineTopTwo() throws {
        let train = try PluginHarness.matrix(users: 4, items: 5, Self.triples)
        let model = try PluginHarness.fit(try PluginHarness.load("UserKNN"),
                                          ["topk": .int(2), "shrink": .float(0)], train: train).model
        let scores = try PluginHarness.score(model, users: [1, 0, 3], itemCount: 5)
        let r6 = 6.0.squareRoot()
        let expected: [Double] = [
            // u1: (1/√6)(x_u0 + x_u2) = (1/√6)·(1, 2, 1, 2, 0) — u3 (the only one with i4) lost the tie
            1 / r6, 2 / r6, 1 / r6, 2 / r6, 0,
            // u0: (2/3)(x_u2 + x_u3) = (2/3)·(1, 2, 1, 1, 1)
            2.0 / 3, 4.0 / 3, 2.0 / 3, 2.0 / 3, 2.0 / 3,
            // u3: (2/3) x_u0 + (1/√6) x_u1 = (2/3 + 1/√6, 2/3, 1/√6, 2/3, 0)
            2.0 / 3 + 1 / r6, 2.0 / 3, 1 / r6, 2.0 / 3, 0,
        ]
        for (got, want) in zip(scores, expected) { #expect(abs(Double(got) - want) < 1e-6, "got \(got), want \(want)") }
    }

    @Test("jaccard with shrink and normalised rows")
    func jaccardNormalized() throws {
        // Jaccard + shrink 1: (0,1) 1/(3+2−1+1) = 1/5, (0,2) 2/(3+3−2+1) = 2/5, (0,3) 2/5,
        // (1,2) 1/5, (1,3) 1/5, (2,3) 1/(3+3−1+1) = 1/6. topk 1: N(u2) = {u0: 2/5} → normalised to 1,
        // so u2's scores are exactly x_u0 = (1, 1, 0, 1, 0).
        let train = try PluginHarness.matrix(users: 4, items: 5, Self.triples)
        let model = try PluginHarness.fit(try PluginHarness.load("UserKNN"), [
            "similarity": .string("jaccard"), "shrink": .float(1), "topk": .int(1), "normalize": .bool(true),
        ], train: train).model
        #expect(try PluginHarness.score(model, users: [2], itemCount: 5) == [1, 1, 0, 1, 0])
        // Without normalisation the single weight stays 2/5.
        let raw = try PluginHarness.fit(try PluginHarness.load("UserKNN"), [
            "similarity": .string("jaccard"), "shrink": .float(1), "topk": .int(1),
        ], train: train).model
        let scores = try PluginHarness.score(raw, users: [2], itemCount: 5)
        for (got, want) in zip(scores, [0.4, 0.4, 0, 0.4, 0]) { #expect(abs(Double(got) - want) < 1e-6) }
    }
}
