import Foundation
import RecKit
import RecMath
import Testing

/// EASE through its .so. Expected B and scores for the 4 × 3 example were printed by numpy from an
/// independent inverse (np.linalg.inv, i.e. LU — not the Cholesky path the plugin takes):
///
///     X = np.array([[5., 3, 0], [0, 4, 1], [2, 0, 0], [1, 1, 5]])      # binary: (X > 0) * 1.0
///     P = np.linalg.inv(X.T @ X + 2.0 * np.eye(3))
///     B = -P / np.diag(P)[None, :]; np.fill_diagonal(B, 0); print(X @ B)
@Suite("EASE")
struct EASETests {
    ///          i0  i1  i2
    ///     u0    5   3   ·
    ///     u1    ·   4   1
    ///     u2    2   ·   ·
    ///     u3    1   1   5
    static func train() throws -> CSRMatrix {
        try PluginHarness.matrix(users: 4, items: 3, [(0, 0, 5), (0, 1, 3), (1, 1, 4), (1, 2, 1), (2, 0, 2), (3, 0, 1), (3, 1, 1), (3, 2, 5)])
    }

    static func close(_ a: [Float], _ b: [Double], _ tolerance: Double = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - $1) <= tolerance }
    }

    @Test("manifest: name, capability, defaults")
    func manifest() throws {
        let manifest = try PluginHarness.load("EASE").manifest
        #expect(manifest.name == "EASE")
        #expect(manifest.capabilities == [.implicitRanking])
        let defaults = Dictionary(uniqueKeysWithValues: try manifest.parameters.map { ($0.name, try $0.check($0.defaultValue)) })
        #expect(defaults == ["l2": .float(500), "implicit": .bool(true)])
    }

    @Test("binarised: scores x_u·B equal numpy's on the 4 × 3 example")
    func binarised() throws {
        let model = try PluginHarness.fit(try PluginHarness.load("EASE"), ["l2": .float(2)], train: Self.train()).model
        let scores = try PluginHarness.score(model, users: [0, 1, 2, 3], itemCount: 3)
        #expect(Self.close(scores, [0.375, 0.315789473684, 0.428571428571, 0.4375, 0.421052631579, 0.380952380952,
                                    0.0, 0.315789473684, 0.047619047619, 0.4375, 0.736842105263, 0.428571428571]), "\(scores)")
        // Row u2 = x_u2·B = B's row i0: so B_00 = 0 (the zero diagonal) and B_01, B_02 match numpy.
    }

    @Test("implicit = false: the ratings themselves, numpy's scores; users in any order")
    func ratings() throws {
        let model = try PluginHarness.fit(try PluginHarness.load("EASE"), ["l2": .float(2), "implicit": .bool(false)],
                                          train: Self.train()).model
        let scores = try PluginHarness.score(model, users: [3, 0, 2], itemCount: 3)
        #expect(Self.close(scores, [0.544807965861, 1.65671641791, 0.31875, 1.719772403983, 2.313432835821, 0.94375,
                                    0.0, 0.925373134328, -0.0125]), "\(scores)")
    }

    /// By hand: binarised G = XᵀX = [[3, 2, 2], [2, 3, 2], [2, 2, 3]] for
    ///     u0 {i0, i1}, u1 {i1, i2}, u2 {i0, i2}, u3 {i0, i1, i2};
    /// with λ = 1, G + I = 2I + 2·11ᵀ, and Sherman–Morrison gives P = 0.5·I − 0.125·11ᵀ:
    /// P_ii = 0.375, P_ij = −0.125, so B_ij = 0.125 / 0.375 = 1/3 off the diagonal.
    /// u0 scores [0 + 1/3, 1/3 + 0, 1/3 + 1/3] = [1/3, 1/3, 2/3].
    @Test("a symmetric example by hand (Sherman–Morrison)")
    func byHand() throws {
        let train = try PluginHarness.matrix(users: 4, items: 3, [(0, 0, 1), (0, 1, 1), (1, 1, 1), (1, 2, 1), (2, 0, 1), (2, 2, 1),
                                                                 (3, 0, 1), (3, 1, 1), (3, 2, 1)])
        let model = try PluginHarness.fit(try PluginHarness.load("EASE"), ["l2": .float(1)], train: train).model
        let scores = try PluginHarness.score(model, users: [0, 3], itemCount: 3)
        let third = 1.0 / 3
        let expected: [Double] = [third, third, 2 * third, 2 * third, 2 * third, 2 * third]
        #expect(Self.close(scores, expected, 1e-6), "\(scores)")
    }

    @Test("λ = 0 with an item nobody has: XᵀX is singular and fit fails with a clear message")
    func singular() throws {
        let train = try PluginHarness.matrix(users: 2, items: 3, [(0, 0, 1), (1, 1, 1)])
        let plugin = try PluginHarness.load("EASE")
        #expect {
            try PluginHarness.fit(plugin, ["l2": .float(0)], train: train)
        } throws: { error in
            "\(error)".contains("cannot invert") && "\(error)".contains("not positive definite")
        }
        // Any λ > 0 makes it well posed; the unseen item gets score 0 from every user.
        let model = try PluginHarness.fit(plugin, ["l2": .float(1)], train: train).model
        let scores = try PluginHarness.score(model, users: [0, 1], itemCount: 3)
        #expect(scores[2] == 0 && scores[5] == 0)
    }

    /// No interactions: G = λI, P = I/λ, so B = −P_ij/P_jj = 0 off the diagonal and every score is 0.
    @Test("an empty training matrix gives B = 0 and all-zero scores")
    func empty() throws {
        let train = try PluginHarness.matrix(users: 2, items: 3, [])
        let model = try PluginHarness.fit(try PluginHarness.load("EASE"), train: train).model
        #expect(try PluginHarness.score(model, users: [0, 1], itemCount: 3) == [Float](repeating: 0, count: 6))
    }

    @Test("score before fit, a wrong item count or an unknown user are errors")
    func errors() throws {
        let plugin = try PluginHarness.load("EASE")
        let parameters = try PluginParameters.resolve([:], against: plugin.manifest).parameters
        let unfitted = try plugin.makeModel(parameters)
        #expect(throws: (any Error).self) { try PluginHarness.score(unfitted, users: [0], itemCount: 3) }
        let model = try PluginHarness.fit(plugin, train: Self.train()).model
        #expect(throws: (any Error).self) { try PluginHarness.score(model, users: [0], itemCount: 4) }
        #expect(throws: (any Error).self) { try PluginHarness.score(model, users: [4], itemCount: 3) }
    }
}
