import RecKit
import Testing

/// RP3beta through its .so on the 4 × 5 matrix and walk of `P3alphaTests`, each arrival at item j
/// divided by deg(j)^β, degrees (3, 3, 2, 2, 1).
///
/// β = 1, before normalisation: W[0,·] = (·, 2/27, 1/12, 1/18, 1/9) = (·, 8, 9, 6, 12)/108 and
/// W[2,·] = (1/12, 1/18, ·, 1/12, 0) = (9, 6, ·, 9, ·)/108.
@Suite("RP3beta")
struct RP3betaTests {
    static let triples: [(Int32, Int32, Float)] = [
        (0, 0, 1), (0, 1, 1), (0, 3, 1),
        (1, 0, 1), (1, 2, 1),
        (2, 1, 1), (2, 2, 1), (2, 3, 1),
        (3, 0, 1), (3, 1, 1), (3, 4, 1),
    ]

    static func scores(_ parameters: [String: ParameterValue]) throws -> [Float] {
        let train = try PluginHarness.matrix(users: 4, items: 5, triples)
        let model = try PluginHarness.fit(try PluginHarness.load("RP3beta"), parameters, train: train).model
        return try PluginHarness.score(model, users: [1], itemCount: 5)
    }

    @Test("manifest: the reference's defaults")
    func manifest() throws {
        let plugin = try PluginHarness.load("RP3beta")
        #expect(plugin.manifest.name == "RP3beta")
        #expect(plugin.manifest.parameters.map(\.name) == ["topk", "alpha", "beta", "normalize", "prune_columns", "implicit"])
    }

    @Test("beta 1, normalised rows: worked by hand")
    func betaOneNormalized() throws {
        // Row sums 35/108 and 24/108: W[0,·] → (·, 8, 9, 6, 12)/35, W[2,·] → (9, 6, ·, 9, ·)/24.
        // s_u1 = (3/8, 8/35 + 1/4, 9/35, 6/35 + 3/8, 12/35).
        let expected = [3.0 / 8, 8.0 / 35 + 0.25, 9.0 / 35, 6.0 / 35 + 3.0 / 8, 12.0 / 35]
        for (got, want) in zip(try Self.scores(["beta": .float(1), "alpha": .float(1), "normalize": .bool(true)]), expected) {
            #expect(abs(Double(got) - want) < 1e-6, "got \(got), want \(want)")
        }
    }

    @Test("beta 1 without normalisation; beta 0 is P3alpha")
    func unnormalized() throws {
        let expected = [1.0 / 12, 2.0 / 27 + 1.0 / 18, 1.0 / 12, 1.0 / 18 + 1.0 / 12, 1.0 / 9]
        for (got, want) in zip(try Self.scores(["beta": .float(1), "normalize": .bool(false)]), expected) {
            #expect(abs(Double(got) - want) < 1e-6, "got \(got), want \(want)")
        }
        let p3 = [0.25, 2.0 / 9 + 1.0 / 6, 1.0 / 6, 1.0 / 9 + 1.0 / 6, 1.0 / 9]
        for (got, want) in zip(try Self.scores(["beta": .float(0), "normalize": .bool(false)]), p3) {
            #expect(abs(Double(got) - want) < 1e-6, "got \(got), want \(want)")
        }
    }

    @Test("topk 1 after the popularity penalty")
    func topOne() throws {
        // β = 1, no normalisation: row 0's largest is i4 (12/108 = 1/9), row 2 ties i0 and i3 at 9/108 → i0.
        // s_u1 = (1/12, 0, 0, 0, 1/9).
        let expected = [1.0 / 12, 0, 0, 0, 1.0 / 9]
        for (got, want) in zip(try Self.scores(["beta": .float(1), "normalize": .bool(false), "topk": .int(1)]), expected) {
            #expect(abs(Double(got) - want) < 1e-6, "got \(got), want \(want)")
        }
    }

    @Test("prune_columns: then each column keeps its topk largest, as the reference's similarityMatrixTopK")
    func prunedColumns() throws {
        // The full W·108 (β = 1, no normalisation, diagonal 0), rows i0…i4:
        //   (0, 8, 9, 6, 12), (8, 0, 6, 12, 12), (9, 6, 0, 9, 0), (6, 12, 9, 0, 0), (12, 12, 0, 0, 0).
        // topk 1 per row (ties to the lower index): i0→i4 12, i1→i3 12, i2→i0 9, i3→i1 12, i4→i0 12.
        // Column i0 then holds 9 (row i2) and 12 (row i4): only row i4's stays, so user 1 (items i0, i2)
        // loses W[2, 0]: s_u1 = (0, 0, 0, 0, 1/9) instead of (1/12, 0, 0, 0, 1/9).
        let expected = [0, 0, 0, 0, 1.0 / 9]
        let got = try Self.scores(["beta": .float(1), "normalize": .bool(false), "topk": .int(1), "prune_columns": .bool(true)])
        for (got, want) in zip(got, expected) {
            #expect(abs(Double(got) - want) < 1e-6, "got \(got), want \(want)")
        }
    }
}
