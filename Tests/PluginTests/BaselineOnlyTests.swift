import RecKit
import RecMath
import Testing

/// BaselineOnly on a matrix small enough to work by hand.
///
///          i0  i1  i2  i3  i4
///     u0    5   3   ·   1   ·
///     u1    4   ·   4   1   ·
///     u2    ·   2   5   ·   ·
///     u3    1   ·   ·   4   ·
///
/// Item i4 has no ratings. μ = (5+3+1+4+4+1+2+5+1+4)/10 = 30/10 = 3.
@Suite("BaselineOnly")
struct BaselineOnlyTests {
    static func train() throws -> CSRMatrix {
        try PluginHarness.matrix(users: 4, items: 5, [
            (0, 0, 5), (0, 1, 3), (0, 3, 1),
            (1, 0, 4), (1, 2, 4), (1, 3, 1),
            (2, 1, 2), (2, 2, 5),
            (3, 0, 1), (3, 3, 4),
        ])
    }

    @Test("manifest: Surprise's name and bsl_options defaults, both capabilities")
    func manifest() throws {
        let manifest = try PluginHarness.load("BaselineOnly").manifest
        #expect(manifest.name == "BaselineOnly")
        #expect(manifest.version == "1.0.0")
        #expect(Set(manifest.capabilities) == [.ratingPrediction, .implicitRanking])
        // Defaults as the host resolves them (the manifest's JSON writes a float 10.0 as 10).
        let defaults = try PluginParameters.resolve([:], against: manifest).parameters.values
        #expect(defaults == [
            "bsl_method": .string("als"), "bsl_n_epochs": .int(-1), "bsl_reg_i": .float(10), "bsl_reg_u": .float(15),
            "bsl_learning_rate": .float(0.005), "bsl_reg": .float(0.02),
        ])
    }

    /// One ALS epoch with Surprise's regularisation (reg_i = 10, reg_u = 15), b_u = b_i = 0 at the start.
    /// Items first, b_i = Σ_u (r_ui − μ − b_u) / (10 + |U_i|) with b_u = 0:
    ///     i0: (2 + 1 − 2)/(10 + 3) = 1/13         i1: (0 − 1)/(10 + 2) = −1/12
    ///     i2: (1 + 2)/(10 + 2) = 1/4              i3: (−2 − 2 + 1)/(10 + 3) = −3/13      i4: 0
    /// then users, b_u = Σ_i (r_ui − μ − b_i) / (15 + |I_u|):
    ///     u0: (2 − 1/13) + (0 + 1/12) + (−2 + 3/13) = 2/13 + 1/12 = 37/156   → b_u0 = 37/156/18 = 37/2808
    ///     u1: (1 − 1/13) + (1 − 1/4) + (−2 + 3/13)  = −1/4 + 2/13 = −5/52    → b_u1 = −5/52/18 = −5/936
    ///     u2: (−1 + 1/12) + (2 − 1/4)               = 5/6                    → b_u2 = 5/6/17 = 5/102
    ///     u3: (−2 − 1/13) + (1 + 3/13)              = −11/13                 → b_u3 = −11/13/17 = −11/221
    @Test("one ALS epoch worked by hand")
    func oneALSEpoch() throws {
        let fitted = try PluginHarness.fit(try PluginHarness.load("BaselineOnly"), ["bsl_n_epochs": .int(1)],
                                           train: Self.train())
        let predicted = try PluginHarness.predict(fitted.model, [(0, 2), (2, 0), (1, 1), (3, 2)])
        let expected: [Double] = [
            3 + 37.0 / 2808 + 1.0 / 4,   // (u0, i2) = 3.263177
            3 + 5.0 / 102 + 1.0 / 13,    // (u2, i0) = 3.125943
            3 - 5.0 / 936 - 1.0 / 12,    // (u1, i1) = 2.911325
            3 - 11.0 / 221 + 1.0 / 4,    // (u3, i2) = 3.200226
        ]
        for (got, want) in zip(predicted, expected) { #expect(abs(Double(got) - want) < 1e-5, "got \(got), want \(want)") }
        #expect(fitted.log.count == 1)
        #expect(fitted.log.first?.hasPrefix("epoch 1/1 loss ") == true)
    }

    @Test("score: every item as predict; the item without ratings has bias 0 (μ + b_u)")
    func score() throws {
        let model = try PluginHarness.fit(try PluginHarness.load("BaselineOnly"), ["bsl_n_epochs": .int(1)],
                                          train: Self.train()).model
        let scores = try PluginHarness.score(model, users: [3], itemCount: 5)
        // (u3, i4) = 3 − 11/221 + 0 = 2.950226
        #expect(abs(Double(scores[4]) - (3 - 11.0 / 221)) < 1e-5)
        #expect(try PluginHarness.predict(model, (0..<5).map { (3, Int32($0)) }) == scores)
    }

    /// SGD, one epoch, learning rate γ = 0.5, λ = 0.1, on u0: i0 = 5, i1 = 3; u1: i0 = 1 (μ = 3).
    /// Ratings in order (user, then item):
    ///     (u0, i0, 5): e = 5 − 3 = 2;            b_u0 = 0.5·2 = 1;               b_i0 = 0.5·2 = 1
    ///     (u0, i1, 3): e = 3 − (3 + 1 + 0) = −1;  b_u0 = 1 + 0.5(−1 − 0.1) = 0.45; b_i1 = 0.5(−1) = −0.5
    ///     (u1, i0, 1): e = 1 − (3 + 0 + 1) = −3;  b_u1 = 0.5(−3) = −1.5;           b_i0 = 1 + 0.5(−3 − 0.1) = −0.55
    /// (each update uses the e computed before it, as Surprise does).
    /// Loss after the epoch, Σ (e² + λ(b_u² + b_i²)) / 3:
    ///     (u0, i0): e = 5 − 2.9 = 2.1,     4.41   + 0.1(0.2025 + 0.3025) = 4.4605
    ///     (u0, i1): e = 3 − 2.95 = 0.05,   0.0025 + 0.1(0.2025 + 0.25)   = 0.04775
    ///     (u1, i0): e = 1 − 0.95 = 0.05,   0.0025 + 0.1(2.25 + 0.3025)   = 0.25775
    ///     total 4.766 / 3 = 1.588667
    @Test("one SGD epoch worked by hand, with its logged loss")
    func oneSGDEpoch() throws {
        let train = try PluginHarness.matrix(users: 2, items: 2, [(0, 0, 5), (0, 1, 3), (1, 0, 1)])
        let fitted = try PluginHarness.fit(
            try PluginHarness.load("BaselineOnly"),
            ["bsl_method": .string("sgd"), "bsl_n_epochs": .int(1), "bsl_learning_rate": .float(0.5), "bsl_reg": .float(0.1)],
            train: train)
        let predicted = try PluginHarness.predict(fitted.model, [(0, 0), (0, 1), (1, 0), (1, 1)])
        let expected: [Float] = [
            2.9,    // 3 + 0.45 − 0.55
            2.95,   // 3 + 0.45 − 0.5
            0.95,   // 3 − 1.5 − 0.55 (not clipped: the host clips)
            1.0,    // 3 − 1.5 − 0.5
        ]
        for (got, want) in zip(predicted, expected) { #expect(abs(got - want) < 1e-5, "got \(got), want \(want)") }
        #expect(fitted.log == ["epoch 1/1 loss 1.588667"])
    }

    static func losses(_ log: [String]) -> [Double] {
        log.compactMap { line in line.split(separator: " ").last.flatMap { Double($0) } }
    }

    @Test("training loss never increases (ALS, 10 epochs) and decreases (SGD, 20 epochs); method defaults for epochs",
          arguments: ["als", "sgd"])
    func lossDecreases(method: String) throws {
        let fitted = try PluginHarness.fit(try PluginHarness.load("BaselineOnly"), ["bsl_method": .string(method)],
                                           train: Self.train())
        let losses = Self.losses(fitted.log)
        #expect(losses.count == (method == "als" ? 10 : 20))
        #expect(fitted.log.first?.hasPrefix("epoch 1/\(losses.count) loss") == true)
        for (before, after) in zip(losses, losses.dropFirst()) {
            if method == "als" { #expect(after <= before + 1e-12) } else { #expect(after < before) }
        }
    }

    @Test("deterministic: Surprise's baselines use no randomness, so any two fits agree whatever the seed")
    func deterministic() throws {
        let plugin = try PluginHarness.load("BaselineOnly")
        let pairs: [(Int32, Int32)] = [(0, 2), (1, 1), (2, 0), (3, 4)]
        for method in ["als", "sgd"] {
            let a = try PluginHarness.fit(plugin, ["bsl_method": .string(method)], train: Self.train(), seed: 1)
            let b = try PluginHarness.fit(plugin, ["bsl_method": .string(method)], train: Self.train(), seed: 2)
            #expect(try PluginHarness.predict(a.model, pairs) == PluginHarness.predict(b.model, pairs))
            #expect(a.log == b.log)
        }
    }
}
