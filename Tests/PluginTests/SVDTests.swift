import Foundation
import RecKit
import RecMath
import Testing

/// SVD on a matrix small enough to step through by hand.
///
///          i0  i1  i2
///     u0    5   3   ·
///     u1    4   ·   ·
///
/// Item i2 has no ratings. μ = (5 + 3 + 4)/3 = 4.
@Suite("SVD")
struct SVDTests {
    static func train() throws -> CSRMatrix {
        try PluginHarness.matrix(users: 2, items: 3, [(0, 0, 5), (0, 1, 3), (1, 0, 4)])
    }

    /// One factor, every factor starting at exactly 0.5 (init_mean 0.5, init_std_dev 0), γ = 0.1, λ = 0.5.
    static let oneStep: [String: ParameterValue] = [
        "n_factors": .int(1), "n_epochs": .int(1), "init_mean": .float(0.5), "init_std_dev": .float(0),
        "lr_all": .float(0.1), "reg_all": .float(0.5),
    ]

    /// A 6 × 5 matrix with a little structure, for the properties that need more than one step.
    static func larger() throws -> CSRMatrix {
        var triples: [(Int32, Int32, Float)] = []
        for u in 0..<6 {
            for i in 0..<5 where (u + 2 * i) % 3 != 0 {
                triples.append((Int32(u), Int32(i), Float(1 + (u * 3 + i * 2) % 5)))
            }
        }
        return try PluginHarness.matrix(users: 6, items: 5, triples)
    }

    static func losses(_ log: [String]) -> [Double] {
        log.compactMap { line in line.split(separator: " ").last.flatMap { Double($0) } }
    }

    @Test("manifest: Surprise's name and defaults, both capabilities")
    func manifest() throws {
        let manifest = try PluginHarness.load("SVD").manifest
        #expect(manifest.name == "SVD")
        #expect(manifest.version == "1.0.0")
        #expect(Set(manifest.capabilities) == [.ratingPrediction, .implicitRanking])
        // Through JSON a float default such as 0 comes back as an int: compare in the parameter's own type.
        let defaults = Dictionary(uniqueKeysWithValues: try manifest.parameters.map { ($0.name, try $0.check($0.defaultValue)) })
        #expect(defaults == [
            "n_factors": .int(100), "n_epochs": .int(20), "biased": .bool(true), "init_mean": .float(0),
            "init_std_dev": .float(0.1), "lr_all": .float(0.005), "reg_all": .float(0.02),
            "lr_bu": .float(-1), "lr_bi": .float(-1), "lr_pu": .float(-1), "lr_qi": .float(-1),
            "reg_bu": .float(-1), "reg_bi": .float(-1), "reg_pu": .float(-1), "reg_qi": .float(-1), "seed": .int(-1),
        ])
    }

    /// The epoch, rating by rating in user order (p = p_u, q = q_i, each update from the values before it):
    ///     (u0, i0, 5): r̂ = 4 + 0 + 0 + 0.5·0.5 = 4.25, e = 0.75
    ///         b_u0 = 0.1·0.75 = 0.075                b_i0 = 0.075
    ///         p_u0 = 0.5 + 0.1(0.75·0.5 − 0.5·0.5) = 0.5125     q_i0 = 0.5125 (same numbers)
    ///     (u0, i1, 3): r̂ = 4 + 0.075 + 0 + 0.5125·0.5 = 4.33125, e = −1.33125
    ///         b_u0 = 0.075 + 0.1(−1.33125 − 0.5·0.075) = −0.061875     b_i1 = 0.1·(−1.33125) = −0.133125
    ///         p_u0 = 0.5125 + 0.1(−1.33125·0.5 − 0.5·0.5125) = 0.5125 − 0.0921875 = 0.4203125
    ///         q_i1 = 0.5 + 0.1(−1.33125·0.5125 − 0.5·0.5) = 0.5 − 0.0932265625 = 0.4067734375
    ///     (u1, i0, 4): r̂ = 4 + 0 + 0.075 + 0.5·0.5125 = 4.33125, e = −0.33125
    ///         b_u1 = −0.033125                       b_i0 = 0.075 + 0.1(−0.33125 − 0.0375) = 0.038125
    ///         p_u1 = 0.5 + 0.1(−0.33125·0.5125 − 0.25) = 0.4580234375
    ///         q_i0 = 0.5125 + 0.1(−0.33125·0.5 − 0.25625) = 0.4703125
    /// Predictions:
    ///     (u1, i1) = 4 − 0.033125 − 0.133125 + 0.4580234375·0.4067734375 = 3.83375 + 0.1863117681 = 4.0200617681
    ///     (u0, i0) = 4 − 0.061875 + 0.038125 + 0.4203125·0.4703125 = 3.97625 + 0.1976782227 = 4.1739282227
    /// Loss, (1/3) Σ [e² + 0.5(b_u² + b_i² + p_u² + q_i²)] with the final values:
    ///     (u0, i0): e = 5 − 4.1739282227 = 0.8260717773;  e² = 0.6823945817; 0.5(0.0038285 + 0.0014535 + 0.1766626 + 0.2211938) = 0.2015692
    ///     (u0, i1): r̂ = 4 − 0.061875 − 0.133125 + 0.4203125·0.4067734375 = 3.9759720; e = −0.9759720; e² = 0.9525213
    ///               0.5(0.0038285 + 0.0177223 + 0.1766626 + 0.1654646) = 0.1818390
    ///     (u1, i0): r̂ = 4 − 0.033125 + 0.038125 + 0.4580234375·0.4703125 = 4.2204141; e = −0.2204141; e² = 0.0485824
    ///               0.5(0.0010973 + 0.0014535 + 0.2097855 + 0.2211938) = 0.2167650
    ///     sum = 2.2836715 → loss 0.7612238
    @Test("one SGD epoch worked by hand")
    func oneEpoch() throws {
        let fitted = try PluginHarness.fit(try PluginHarness.load("SVD"), Self.oneStep, train: Self.train())
        let predicted = try PluginHarness.predict(fitted.model, [(1, 1), (0, 0)])
        #expect(abs(Double(predicted[0]) - 4.0200617681) < 1e-5, "got \(predicted[0])")
        #expect(abs(Double(predicted[1]) - 4.1739282227) < 1e-5, "got \(predicted[1])")
        #expect(fitted.log.count == 1)
        #expect(fitted.log.first?.hasPrefix("epoch 1/1 loss ") == true)
        let loss = try #require(Self.losses(fitted.log).first)
        #expect(abs(loss - 0.7612238) < 1e-5, "got \(loss)")
    }

    /// Surprise's estimate for an item it does not know: the item's bias and factors count as zero.
    ///     (u0, i2) = μ + b_u0 = 4 − 0.061875 = 3.938125;  (u1, i2) = 4 − 0.033125 = 3.966875
    @Test("score: every item as predict; the item without ratings gets μ + b_u")
    func score() throws {
        let model = try PluginHarness.fit(try PluginHarness.load("SVD"), Self.oneStep, train: Self.train()).model
        let scores = try PluginHarness.score(model, users: [0, 1], itemCount: 3)
        #expect(abs(Double(scores[2]) - 3.938125) < 1e-5)
        #expect(abs(Double(scores[5]) - 3.966875) < 1e-5)
        #expect(try PluginHarness.predict(model, [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]) == scores)
    }

    /// biased = false: μ is 0 in training and the biases stay 0.
    ///     (u0, i0, 5): e = 5 − 0.25 = 4.75;  p_u0 = 0.5 + 0.1(4.75·0.5 − 0.25) = 0.7125, q_i0 = 0.7125
    ///     (u0, i1, 3): e = 3 − 0.7125·0.5 = 2.64375;  q_i1 = 0.5 + 0.1(2.64375·0.7125 − 0.25) = 0.6633671875
    ///     (u1, i0, 4): e = 4 − 0.5·0.7125 = 3.64375;  p_u1 = 0.5 + 0.1(3.64375·0.7125 − 0.25) = 0.7346171875
    ///     (u1, i1) = 0.7346171875 · 0.6633671875 = 0.4873209376
    /// An item without ratings is Surprise's PredictionImpossible: the global mean, 4.
    @Test("unbiased: r̂ = q_iᵀp_u, unknown item → global mean")
    func unbiased() throws {
        var parameters = Self.oneStep
        parameters["biased"] = .bool(false)
        let model = try PluginHarness.fit(try PluginHarness.load("SVD"), parameters, train: Self.train()).model
        let predicted = try PluginHarness.predict(model, [(1, 1)])
        #expect(abs(Double(predicted[0]) - 0.4873209376) < 1e-5, "got \(predicted[0])")
        let scores = try PluginHarness.score(model, users: [1], itemCount: 3)
        #expect(scores[2] == 4)
    }

    /// lr_pu = 0 freezes every p_u at 0.5 while lr_all (0.1) still moves the rest:
    ///     (u0, i0, 5): e = 0.75 as before; b_u0 = b_i0 = 0.075; q_i0 = 0.5125
    ///     (u0, i1, 3): r̂ = 4 + 0.075 + 0 + 0.5·0.5 = 4.325, e = −1.325; b_u0 = 0.075 + 0.1(−1.325 − 0.0375) = −0.06125
    ///     (u1, i0, 4): r̂ = 4 + 0.075 + 0.5·0.5125 = 4.33125, e = −0.33125; b_i0 = 0.038125;
    ///                  q_i0 = 0.5125 + 0.1(−0.33125·0.5 − 0.5·0.5125) = 0.4703125
    ///     (u0, i0) = 4 − 0.06125 + 0.038125 + 0.5·0.4703125 = 3.976875 + 0.23515625 = 4.21203125
    @Test("a per-parameter learning rate overrides lr_all; -1 inherits it")
    func ownRate() throws {
        var parameters = Self.oneStep
        parameters["lr_pu"] = .float(0)
        let model = try PluginHarness.fit(try PluginHarness.load("SVD"), parameters, train: Self.train()).model
        let predicted = try PluginHarness.predict(model, [(0, 0)])
        #expect(abs(Double(predicted[0]) - 4.21203125) < 1e-5, "got \(predicted[0])")
    }

    @Test("training loss decreases epoch by epoch")
    func lossDecreases() throws {
        let fitted = try PluginHarness.fit(try PluginHarness.load("SVD"),
                                           ["n_factors": .int(4), "n_epochs": .int(15), "lr_all": .float(0.02)],
                                           train: Self.larger(), seed: 3)
        let losses = Self.losses(fitted.log)
        #expect(losses.count == 15)
        for (earlier, later) in zip(losses, losses.dropFirst()) { #expect(later < earlier, "\(losses)") }
    }

    @Test("same seed → identical predictions; another seed → different")
    func determinism() throws {
        let plugin = try PluginHarness.load("SVD")
        let pairs: [(Int32, Int32)] = (0..<6).flatMap { u in (0..<5).map { (Int32(u), Int32($0)) } }
        func run(_ seed: UInt64) throws -> [Float] {
            try PluginHarness.predict(PluginHarness.fit(plugin, ["n_factors": .int(4)], train: Self.larger(), seed: seed).model, pairs)
        }
        #expect(try run(7) == run(7))
        #expect(try run(7) != run(8))
        // The plugin's own seed wins over the run's.
        let own = try PluginHarness.fit(plugin, ["n_factors": .int(4), "seed": .int(7)], train: Self.larger(), seed: 99).model
        #expect(try PluginHarness.predict(own, pairs) == run(7))
    }
}
