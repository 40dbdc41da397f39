import RecKit
import RecMath
import Testing

/// SLIM through its .so against scikit-learn 1.9.1's ElasticNet, the reference's solver.
///
/// Users u6…u9 each have a single item (u6: 2 × i0, u7: 3 × i1, u8: 1 × i2, u9: 2 × i3), so their
/// scores read W's rows off: s(u6, j) = 2 W[0, j], s(u7, j) = 3 W[1, j], s(u8, j) = W[2, j],
/// s(u9, j) = 2 W[3, j]. They are ordinary training users: scikit-learn fits on the same X.
///
/// /tmp/sparse/slim_sklearn.py:
///
///     import numpy as np
///     from sklearn.linear_model import ElasticNet
///     X = np.array([[5,3,0,1],[4,0,0,1],[1,1,0,5],[1,0,0,4],[0,1,5,4],[0,4,4,0],
///                   [2,0,0,0],[0,3,0,0],[0,0,1,0],[0,0,0,2]], float)
///     for positive in (True, False):
///         W = np.zeros((4, 4))
///         for j in range(4):
///             Xj = X.copy(); Xj[:, j] = 0
///             m = ElasticNet(alpha=0.1, l1_ratio=0.5, positive=positive, fit_intercept=False,
///                            tol=1e-12, max_iter=1000000, selection="cyclic").fit(Xj, X[:, j])
///             W[:, j] = m.coef_
///         print("positive" if positive else "signed")
///         print(np.array2string(W, precision=7, floatmode="fixed", suppress_small=True))
///
/// printed
///
///     positive
///     [[0.0000000 0.3263158 0.0000000 0.3684211]
///      [0.3561817 0.0000000 0.4912018 0.0000000]
///      [0.0000000 0.4823529 0.0000000 0.4588235]
///      [0.2082806 0.0000000 0.2142611 0.0000000]]
///     signed
///     [[ 0.0000000  0.3505335 -0.2970236  0.4176464]
///      [ 0.5597792  0.0000000  0.6005147 -0.1461379]
///      [-0.4047280  0.5124272  0.0000000  0.5310328]
///      [ 0.2972789 -0.0639078  0.2777992  0.0000000]]
@Suite("SLIM")
struct SLIMTests {
    static let rows: [[Float]] = [
        [5, 3, 0, 1], [4, 0, 0, 1], [1, 1, 0, 5], [1, 0, 0, 4], [0, 1, 5, 4], [0, 4, 4, 0],
        [2, 0, 0, 0], [0, 3, 0, 0], [0, 0, 1, 0], [0, 0, 0, 2],
    ]
    static let positive: [[Double]] = [
        [0.0000000, 0.3263158, 0.0000000, 0.3684211],
        [0.3561817, 0.0000000, 0.4912018, 0.0000000],
        [0.0000000, 0.4823529, 0.0000000, 0.4588235],
        [0.2082806, 0.0000000, 0.2142611, 0.0000000],
    ]
    static let signed: [[Double]] = [
        [0.0000000, 0.3505335, -0.2970236, 0.4176464],
        [0.5597792, 0.0000000, 0.6005147, -0.1461379],
        [-0.4047280, 0.5124272, 0.0000000, 0.5310328],
        [0.2972789, -0.0639078, 0.2777992, 0.0000000],
    ]

    static func train() throws -> CSRMatrix {
        var triples: [(Int32, Int32, Float)] = []
        for (u, row) in rows.enumerated() {
            for (i, value) in row.enumerated() where value != 0 { triples.append((Int32(u), Int32(i), value)) }
        }
        return try PluginHarness.matrix(users: 10, items: 4, triples)
    }

    /// W recovered from the one-item users' scores.
    static func weights(_ scores: [Float]) -> [[Double]] {
        let scale: [Double] = [2, 3, 1, 2]
        return (0..<4).map { k in (0..<4).map { j in Double(scores[k * 4 + j]) / scale[k] } }
    }

    static func fitted(_ extra: [String: ParameterValue], threads: Int = 2) throws -> [Float] {
        var parameters: [String: ParameterValue] = [
            "alpha": .float(0.1), "l1_ratio": .float(0.5), "implicit": .bool(false), "tol": .float(1e-12),
            "max_iter": .int(100_000), "topk": .int(10),
        ]
        parameters.merge(extra) { $1 }
        let plugin = try PluginHarness.load("SLIM")
        let model = try plugin.makeModel(try PluginParameters.resolve(parameters, against: plugin.manifest).parameters)
        try train().withView { try model.fit($0, seed: 0, threadCount: threads) }
        return try PluginHarness.score(model, users: [6, 7, 8, 9], itemCount: 4)
    }

    @Test("manifest")
    func manifest() throws {
        let plugin = try PluginHarness.load("SLIM")
        #expect(plugin.manifest.name == "SLIM")
        #expect(plugin.manifest.parameters.map(\.name) == ["alpha", "l1_ratio", "topk", "max_iter", "tol", "positive_only", "implicit"])
    }

    @Test("positive weights equal scikit-learn's ElasticNet(positive=True)")
    func positiveMatchesScikitLearn() throws {
        let w = Self.weights(try Self.fitted([:]))
        for k in 0..<4 {
            for j in 0..<4 { #expect(abs(w[k][j] - Self.positive[k][j]) < 2e-6, "W[\(k), \(j)] = \(w[k][j]), want \(Self.positive[k][j])") }
        }
    }

    @Test("signed weights equal scikit-learn's ElasticNet(positive=False)")
    func signedMatchesScikitLearn() throws {
        let w = Self.weights(try Self.fitted(["positive_only": .bool(false)]))
        for k in 0..<4 {
            for j in 0..<4 { #expect(abs(w[k][j] - Self.signed[k][j]) < 2e-6, "W[\(k), \(j)] = \(w[k][j]), want \(Self.signed[k][j])") }
        }
    }

    @Test("topk 1 keeps each item's largest weight")
    func topOne() throws {
        // Column maxima of the positive W: j0 ← W[1,0], j1 ← W[2,1], j2 ← W[1,2], j3 ← W[2,3].
        let w = Self.weights(try Self.fitted(["topk": .int(1)]))
        let kept: Set<[Int]> = [[1, 0], [2, 1], [1, 2], [2, 3]]
        for k in 0..<4 {
            for j in 0..<4 {
                let want = kept.contains([k, j]) ? Self.positive[k][j] : 0
                #expect(abs(w[k][j] - want) < 2e-6, "W[\(k), \(j)] = \(w[k][j]), want \(want)")
            }
        }
    }

    @Test("one and two threads give identical scores")
    func threads() throws {
        #expect(try Self.fitted([:], threads: 1) == Self.fitted([:], threads: 2))
        #expect(try Self.fitted(["positive_only": .bool(false)], threads: 1) == Self.fitted(["positive_only": .bool(false)], threads: 2))
    }

    @Test("a penalty too strong for any co-occurrence leaves every weight 0")
    func allZero() throws {
        // λ1 = n·alpha·l1_ratio = 10 · 10 · 0.5 = 50 exceeds every off-diagonal Gram entry (the largest, G[1,2] = 1·5 + 4·4 = 21).
        #expect(try Self.fitted(["alpha": .float(10)]).allSatisfy { $0 == 0 })
    }
}
