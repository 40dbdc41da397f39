import Foundation
import RecKit
import RecMath
import Testing

/// Data and checks shared by the BPR, LightGCN and NGCF tests.
enum RankingTestData {
    /// 40 users in two communities (even, odd) over 30 items (0–14, 15–29): each user has 6 items of
    /// its own community, drawn with a fixed seed.
    static func communities() throws -> CSRMatrix {
        var generator = SeededGenerator(seed: 99)
        var triples: [(Int32, Int32, Float)] = []
        for user in 0..<40 {
            var own = Array((user % 2 == 0 ? 0..<15 : 15..<30).map(Int32.init))
            generator.shuffle(&own)
            for item in own.prefix(6) { triples.append((Int32(user), item, 1)) }
        }
        return try PluginHarness.matrix(users: 40, items: 30, triples)
    }

    /// Share of users whose unseen items of their own community score higher on average than the
    /// other community's items.
    static func communityAccuracy(_ scores: [Float], train: CSRMatrix) -> Double {
        var right = 0
        for user in 0..<40 {
            let seen = Set(train.columns(of: user))
            let own = user % 2 == 0 ? 0..<15 : 15..<30
            var mine: [Float] = [], theirs: [Float] = []
            for item in 0..<30 where !seen.contains(Int32(item)) {
                if own.contains(item) { mine.append(scores[user * 30 + item]) } else { theirs.append(scores[user * 30 + item]) }
            }
            if mine.reduce(0, +) / Float(mine.count) > theirs.reduce(0, +) / Float(theirs.count) { right += 1 }
        }
        return Double(right) / 40
    }

    /// The numbers logged after "loss" in each epoch line.
    static func losses(_ log: [String]) -> [Double] {
        log.compactMap { line in
            let words = line.split(separator: " ")
            guard let at = words.firstIndex(of: "loss"), at + 1 < words.count else { return nil }
            return Double(words[at + 1])
        }
    }

    /// Fits with an epoch observer that evaluates and checkpoints at `best`, stops at `stop`, and
    /// returns the scores seen at `best` (scored re-entrantly, as the host does) and after fit.
    static func earlyStop(_ plugin: LoadedPlugin, _ given: [String: ParameterValue], train: CSRMatrix,
                          best: Int, stop: Int) throws -> (atBest: [Float], afterFit: [Float], epochs: [Int]) {
        let parameters = try PluginParameters.resolve(given, against: plugin.manifest).parameters
        let model = try plugin.makeModel(parameters)
        final class Seen: @unchecked Sendable {
            var atBest: [Float] = []
            var epochs: [Int] = []
            var failure: Error?
        }
        let seen = Seen()
        let users = (0..<Int32(train.rowCount)).map { $0 }
        let observer = PluginModel.EpochObserver(
            willEvaluate: { $0 == best },
            epochEnded: { epoch, _ in
                seen.epochs.append(epoch)
                if epoch == best {
                    do { seen.atBest = try PluginHarness.score(model, users: users, itemCount: train.columnCount) } catch { seen.failure = error }
                    return .checkpoint
                }
                return epoch == stop ? .stop : .proceed
            })
        try train.withView { try model.fit($0, seed: 0, threadCount: 2, epochs: observer) }
        if let failure = seen.failure { throw failure }
        return (seen.atBest, try PluginHarness.score(model, users: users, itemCount: train.columnCount), seen.epochs)
    }
}

/// BPR-MF through its .so: hand-worked steps on a one-triple problem, learning, determinism, early
/// stopping and errors.
@Suite("BPR")
struct BPRTests {
    @Test("manifest: name, capability and defaults")
    func manifest() throws {
        let manifest = try PluginHarness.load("BPR").manifest
        #expect(manifest.name == "BPR")
        #expect(manifest.capabilities == [.implicitRanking])
        let defaults = Dictionary(uniqueKeysWithValues: try manifest.parameters.map { ($0.name, try $0.check($0.defaultValue)) })
        #expect(defaults == [
            "factors": .int(64), "epochs": .int(100), "learning_rate": .float(0.01), "lambda": .float(0.001),
            "optimizer": .string("sgd"), "batch_size": .int(1024), "use_bias": .bool(true),
            "sampling": .string("interaction-with-replacement"), "negatives": .string("resample"),
            "init": .string("uniform"), "init_std": .float(0.1), "seed": .int(-1),
        ])
    }

    /// One user with item 0 of two items; factors start at 0 (init_std 0) and stay there, so each
    /// epoch is the one triple (u0, i0, i1) moving the biases only. bpr_plugin_expected.py:
    ///     sgd:  epoch 1 loss ln 2, b = ±0.005; epoch 2 loss 0.6881596805078624, b = ±0.009974950208331251
    ///     adam: epoch 1 loss ln 2, b = ±0.00999999980000001; epoch 2 loss 0.6831972799246302,
    ///           b = ±0.019997248025802928
    @Test("two epochs worked by hand, with SGD and with Adam", arguments: ["sgd", "adam"])
    func byHand(optimizer: String) throws {
        let train = try PluginHarness.matrix(users: 1, items: 2, [(0, 0, 1)])
        let fitted = try PluginHarness.fit(try PluginHarness.load("BPR"), [
            "factors": .int(3), "epochs": .int(2), "init": .string("normal"), "init_std": .float(0),
            "learning_rate": .float(0.01), "lambda": .float(0.001), "optimizer": .string(optimizer), "batch_size": .int(1),
        ], train: train)
        let scores = try PluginHarness.score(fitted.model, users: [0], itemCount: 2)
        let (bias, loss2) = optimizer == "sgd" ? (0.009974950208331251, 0.6881596805078624) : (0.019997248025802928, 0.6831972799246302)
        #expect(abs(Double(scores[0]) - bias) < 1e-7 && abs(Double(scores[1]) + bias) < 1e-7)
        let losses = RankingTestData.losses(fitted.log)
        #expect(losses.count == 2)
        #expect(abs(losses[0] - log(2)) < 1e-6 && abs(losses[1] - loss2) < 1e-6)
    }

    @Test("without bias and with zero factors nothing moves: every score is 0")
    func noBias() throws {
        let train = try PluginHarness.matrix(users: 1, items: 2, [(0, 0, 1)])
        let fitted = try PluginHarness.fit(try PluginHarness.load("BPR"), [
            "epochs": .int(3), "init": .string("normal"), "init_std": .float(0), "use_bias": .bool(false),
        ], train: train)
        #expect(try PluginHarness.score(fitted.model, users: [0], itemCount: 2) == [0, 0])
    }

    @Test("learns two communities with either optimizer and every sampling", arguments: [
        ["optimizer": ParameterValue.string("sgd"), "sampling": .string("interaction-with-replacement")],
        ["optimizer": .string("sgd"), "sampling": .string("interaction-shuffled"), "negatives": .string("skip")],
        ["optimizer": .string("adam"), "sampling": .string("user-uniform"), "batch_size": .int(16)],
    ])
    func learns(_ given: [String: ParameterValue]) throws {
        let train = try RankingTestData.communities()
        var parameters = given
        parameters["factors"] = .int(8)
        parameters["epochs"] = .int(60)
        parameters["learning_rate"] = .float(given["optimizer"] == .string("adam") ? 0.02 : 0.05)
        let fitted = try PluginHarness.fit(try PluginHarness.load("BPR"), parameters, train: train, seed: 3)
        let scores = try PluginHarness.score(fitted.model, users: Array(0..<40), itemCount: 30)
        #expect(RankingTestData.communityAccuracy(scores, train: train) >= 0.95)
        let losses = RankingTestData.losses(fitted.log)
        #expect(losses.count == 60 && losses.last! < losses.first! * 0.8)
    }

    @Test("the same seed gives the same scores, any thread count; another seed does not")
    func deterministic() throws {
        let train = try RankingTestData.communities()
        let plugin = try PluginHarness.load("BPR")
        for optimizer in ["sgd", "adam"] {
            let given: [String: ParameterValue] = ["factors": .int(8), "epochs": .int(5), "optimizer": .string(optimizer)]
            let parameters = try PluginParameters.resolve(given, against: plugin.manifest).parameters
            var runs: [[Float]] = []
            for (seed, threads) in [(UInt64(5), 1), (5, 2), (6, 2)] {
                let model = try plugin.makeModel(parameters)
                try train.withView { try model.fit($0, seed: seed, threadCount: threads) }
                runs.append(try PluginHarness.score(model, users: Array(0..<40), itemCount: 30))
            }
            #expect(runs[0] == runs[1])
            #expect(runs[0] != runs[2])
        }
    }

    @Test("early stopping goes back to the checkpointed epoch")
    func earlyStop() throws {
        let result = try RankingTestData.earlyStop(try PluginHarness.load("BPR"), ["factors": .int(8), "epochs": .int(10)],
                                                   train: try RankingTestData.communities(), best: 2, stop: 4)
        #expect(result.epochs == [1, 2, 3, 4])
        #expect(!result.atBest.isEmpty && result.afterFit == result.atBest)
    }

    @Test("training data with no possible negative is refused with a clear message")
    func noNegatives() throws {
        let train = try PluginHarness.matrix(users: 2, items: 2, [(0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1)])
        #expect {
            _ = try PluginHarness.fit(try PluginHarness.load("BPR"), [:], train: train)
        } throws: { error in
            String(describing: error).contains("one item without")
        }
    }
}
