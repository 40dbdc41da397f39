import Foundation
import RecKit
import RecMath
import Testing

/// iALS through its .so. The single-row solve itself is checked against numpy's normal equations in
/// RecMathTests (ImplicitLeastSquaresTests); here: the whole alternation.
///
/// With α = 0 every confidence is 1, so the objective is plain regularised least squares on the full
/// 0/1 matrix P, ‖P − XYᵀ‖² + λ(‖X‖² + ‖Y‖²), each half-step an ordinary ridge regression. Since
/// min over XYᵀ = Z of ‖X‖² + ‖Y‖² is 2‖Z‖_* (nuclear norm), its rank-k optimum is the top-k SVD of P
/// with singular values shrunk by λ: Z = U_k·diag(σ_i − λ)₊·V_kᵀ. numpy:
///
///     P = np.array([[1., 1, 0, 0, 1, 0], [1, 1, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0], [0, 0, 1, 1, 1, 0],
///                   [0, 0, 1, 1, 0, 1], [0, 0, 0, 1, 1, 1], [1, 0, 0, 0, 1, 1], [0, 1, 1, 1, 0, 0]])
///     U, s, Vt = np.linalg.svd(P, full_matrices=False)      # s = 3.360, 2.357, 2.013, 1.157, …
///     print(U[:, :2] @ np.diag(np.maximum(s[:2] - 0.5, 0)) @ Vt[:2])
@Suite("iALS")
struct iALSTests {
    static let rows: [[Int32]] = [[0, 1, 4], [0, 1], [0, 1, 2], [2, 3, 4], [2, 3, 5], [3, 4, 5], [0, 4, 5], [1, 2, 3]]

    static func train(values: Float = 1) throws -> CSRMatrix {
        var triples: [(Int32, Int32, Float)] = []
        for (u, items) in rows.enumerated() { for i in items { triples.append((Int32(u), i, values)) } }
        return try PluginHarness.matrix(users: 8, items: 6, triples)
    }

    static let softThresholded: [Double] = [
        0.88012566378, 0.839057856995, 0.319924651125, 0.052397136221, 0.389372538966, 0.082916037455,
        0.771919756748, 0.721332854224, 0.143468072431, -0.141754738487, 0.225930909802, -0.050191899345,
        0.835804062859, 0.800916620544, 0.342520850334, 0.102744905657, 0.402387488497, 0.113436429618,
        0.084489675587, 0.14315456816, 0.620009000741, 0.811723633209, 0.534050082565, 0.536188902744,
        -0.059009048198, 0.010530482797, 0.60718075101, 0.857024395483, 0.503716390202, 0.557927300865,
        -0.014687447277, 0.048671719248, 0.584584551801, 0.806676626047, 0.490701440671, 0.527406908701,
        0.47251851817, 0.475140249035, 0.403969213768, 0.346003974133, 0.404755472995, 0.252661454967,
        0.348598097412, 0.374448090757, 0.523136188367, 0.563417557571, 0.488333456172, 0.388181883352,
    ]

    /// A 30 × 20 matrix with a little structure and ratings 1–5, for the properties that need more.
    static func larger() throws -> CSRMatrix {
        var generator = SeededGenerator(seed: 21)
        var triples: [(Int32, Int32, Float)] = []
        for u in 0..<30 {
            for i in 0..<20 where generator.nextDouble() < (u % 3 == i % 3 ? 0.5 : 0.1) {
                triples.append((Int32(u), Int32(i), Float(1 + generator.nextInt(below: 5))))
            }
        }
        return try PluginHarness.matrix(users: 30, items: 20, triples)
    }

    static func losses(_ log: [String]) -> [Double] {
        log.filter { $0.hasPrefix("iteration ") }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
    }

    @Test("manifest: name, capability, defaults")
    func manifest() throws {
        let manifest = try PluginHarness.load("iALS").manifest
        #expect(manifest.name == "iALS")
        #expect(manifest.capabilities == [.implicitRanking])
        let defaults = Dictionary(uniqueKeysWithValues: try manifest.parameters.map { ($0.name, try $0.check($0.defaultValue)) })
        #expect(defaults == [
            "factors": .int(64), "regularization": .float(50), "alpha": .float(5), "confidence": .string("linear"),
            "epsilon": .float(1), "implicit": .bool(true), "iterations": .int(15), "solver": .string("cholesky"),
            "cg_steps": .int(3), "init_std": .float(0.01), "seed": .int(-1),
        ])
    }

    @Test("α = 0 converges to plain ridge least squares: the soft-thresholded rank-2 SVD (numpy)", arguments: ["cholesky", "cg"])
    func ridgeLimit(solver: String) throws {
        let fitted = try PluginHarness.fit(try PluginHarness.load("iALS"),
                                           ["factors": .int(2), "alpha": .float(0), "regularization": .float(0.5),
                                            "iterations": .int(300), "init_std": .float(0.1), "solver": .string(solver)],
                                           train: Self.train(), seed: 5)
        let scores = try PluginHarness.score(fitted.model, users: (0..<8).map(Int32.init), itemCount: 6)
        let worst = zip(scores, Self.softThresholded).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "max |difference| \(worst)")
    }

    @Test("the weighted loss never rises across iterations (Cholesky strictly falls early on; CG too)",
          arguments: ["cholesky", "cg"])
    func lossDecreases(solver: String) throws {
        let fitted = try PluginHarness.fit(try PluginHarness.load("iALS"),
                                           ["factors": .int(4), "alpha": .float(10), "regularization": .float(0.1), "iterations": .int(12),
                                            "init_std": .float(0.1), "implicit": .bool(false), "solver": .string(solver)],
                                           train: Self.larger(), seed: 2)
        let losses = Self.losses(fitted.log)
        #expect(losses.count == 12)
        // Float solves: allow a rounding-level wobble once converged, never a real rise.
        for (earlier, later) in zip(losses, losses.dropFirst()) { #expect(later <= earlier * (1 + 1e-6), "\(losses)") }
        #expect(losses[3] < losses[0] && losses[11] < losses[3], "\(losses)")
    }

    @Test("confidence: linear 1 + α·r vs log 1 + α·log(1 + r/ε) differ once values are used; binarised they ignore r")
    func confidenceKinds() throws {
        let plugin = try PluginHarness.load("iALS")
        func scores(_ parameters: [String: ParameterValue], train: CSRMatrix) throws -> [Float] {
            let base: [String: ParameterValue] = ["factors": .int(3), "iterations": .int(5), "regularization": .float(0.1)]
            let model = try PluginHarness.fit(plugin, base.merging(parameters) { _, b in b }, train: train, seed: 1).model
            return try PluginHarness.score(model, users: (0..<8).map(Int32.init), itemCount: 6)
        }
        // implicit = true: r = 1 whatever is stored, so stored 1s and stored 4s give the same model.
        #expect(try scores([:], train: Self.train(values: 1)) == scores([:], train: Self.train(values: 4)))
        // With r used: α = 3, r = 4 → linear c = 13, and log with ε = 4/(e⁴ − 1) gives 1 + 3·4 = 13 too.
        let epsilon = 4 / (exp(4.0) - 1)
        let linear = try scores(["implicit": .bool(false), "alpha": .float(3)], train: Self.train(values: 4))
        let log = try scores(["implicit": .bool(false), "alpha": .float(3), "confidence": .string("log"),
                              "epsilon": .float(epsilon)], train: Self.train(values: 4))
        #expect(zip(linear, log).allSatisfy { abs($0 - $1) < 1e-4 })
        let plainLog = try scores(["implicit": .bool(false), "alpha": .float(3), "confidence": .string("log")],
                                  train: Self.train(values: 4))
        #expect(zip(linear, plainLog).contains { abs($0 - $1) > 1e-3 })
    }

    @Test("same seed → identical scores for 1 and 2 threads; another seed → different; the plugin's seed wins",
          arguments: ["cholesky", "cg"])
    func determinism(solver: String) throws {
        let plugin = try PluginHarness.load("iALS")
        let parameters: [String: ParameterValue] = ["factors": .int(5), "iterations": .int(3), "solver": .string(solver)]
        func run(_ extra: [String: ParameterValue] = [:], seed: UInt64, threads: Int = 2) throws -> [Float] {
            let model = try plugin.makeModel(try PluginParameters.resolve(parameters.merging(extra) { _, b in b },
                                                                          against: plugin.manifest).parameters)
            try Self.larger().withView { try model.fit($0, seed: seed, threadCount: threads) }
            return try PluginHarness.score(model, users: (0..<30).map(Int32.init), itemCount: 20)
        }
        let reference = try run(seed: 7)
        #expect(try run(seed: 7, threads: 1) == reference)
        #expect(try run(seed: 8) != reference)
        #expect(try run(["seed": .int(7)], seed: 99) == reference)
    }

    @Test("early stopping: checkpoint at iteration 2, stop at 4 → the model is exactly the 2-iteration fit")
    func epochsKeepTheCheckpointedIteration() throws {
        let plugin = try PluginHarness.load("iALS")
        let train = try Self.larger()
        let users = (0..<30).map(Int32.init)
        let parameters = try PluginParameters.resolve(["iterations": .int(10), "seed": .int(3)], against: plugin.manifest).parameters
        let model = try plugin.makeModel(parameters)
        #expect(model.trainsInEpochs)
        final class Seen: @unchecked Sendable { var epochs: [Int] = []; var losses: [Double] = [] }
        let seen = Seen()
        let observer = PluginModel.EpochObserver(
            willEvaluate: { _ in true },
            epochEnded: { epoch, loss in
                seen.epochs.append(epoch)
                seen.losses.append(loss)
                return epoch == 2 ? .checkpoint : (epoch == 4 ? .stop : .proceed)
            })
        try train.withView { try model.fit($0, seed: 0, threadCount: 2, epochs: observer) }
        #expect(seen.epochs == [1, 2, 3, 4])
        #expect(zip(seen.losses, seen.losses.dropFirst()).allSatisfy { $0.1 <= $0.0 + 1e-9 })
        let stopped = try PluginHarness.score(model, users: users, itemCount: 20)
        let twoIterations = try PluginHarness.fit(plugin, ["iterations": .int(2), "seed": .int(3)], train: train).model
        #expect(stopped == (try PluginHarness.score(twoIterations, users: users, itemCount: 20)))
        let fourIterations = try PluginHarness.fit(plugin, ["iterations": .int(4), "seed": .int(3)], train: train).model
        #expect(stopped != (try PluginHarness.score(fourIterations, users: users, itemCount: 20)))
    }

    @Test("negative values with implicit = false, and score errors, are reported")
    func errors() throws {
        let plugin = try PluginHarness.load("iALS")
        let negative = try PluginHarness.matrix(users: 2, items: 2, [(0, 0, -1), (1, 1, 2)])
        #expect { try PluginHarness.fit(plugin, ["implicit": .bool(false)], train: negative) } throws: { "\($0)".contains("negative") }
        let unfitted = try plugin.makeModel(try PluginParameters.resolve([:], against: plugin.manifest).parameters)
        #expect { try PluginHarness.score(unfitted, users: [0], itemCount: 6) } throws: { "\($0)".contains("before fit") }
        let model = try PluginHarness.fit(plugin, ["factors": .int(2), "iterations": .int(1)], train: Self.train()).model
        #expect(throws: (any Error).self) { try PluginHarness.score(model, users: [0], itemCount: 7) }
        #expect(throws: (any Error).self) { try PluginHarness.score(model, users: [8], itemCount: 6) }
    }
}
