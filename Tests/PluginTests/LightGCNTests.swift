import Foundation
import RecKit
import RecMath
import Testing

/// LightGCN through its .so. Its arithmetic is checked in RecMathTests (propagation by hand,
/// gradients against finite differences); here: it is BPR-MF when K = 0, it learns, it is
/// deterministic at any thread count, early stopping restores the best epoch.
@Suite("LightGCN")
struct LightGCNTests {
    @Test("manifest: name, capability and the reference's defaults")
    func manifest() throws {
        let manifest = try PluginHarness.load("LightGCN").manifest
        #expect(manifest.name == "LightGCN")
        #expect(manifest.capabilities == [.implicitRanking])
        let defaults = Dictionary(uniqueKeysWithValues: try manifest.parameters.map { ($0.name, try $0.check($0.defaultValue)) })
        #expect(defaults == [
            "embedding_size": .int(64), "layers": .int(3), "learning_rate": .float(0.001), "l2": .float(1e-4),
            "batch_size": .int(2048), "epochs": .int(100), "sampling": .string("user-uniform"),
            "init": .string("normal"), "init_std": .float(0.1), "seed": .int(-1),
        ])
    }

    /// With no propagation layer the model is matrix factorisation with the same loss: the BPR
    /// plugin trained by Adam, without bias, on the same sampler and initialisation draws, must give
    /// the same scores bit for bit (two plugins, one kit).
    @Test("K = 0 is BPR-MF trained by Adam, bit for bit")
    func zeroLayers() throws {
        let train = try RankingTestData.communities()
        let lightGCN = try PluginHarness.fit(try PluginHarness.load("LightGCN"), [
            "layers": .int(0), "embedding_size": .int(8), "epochs": .int(4), "batch_size": .int(32),
            "learning_rate": .float(0.01), "l2": .float(0.01),
        ], train: train, seed: 4)
        let bpr = try PluginHarness.fit(try PluginHarness.load("BPR"), [
            "factors": .int(8), "epochs": .int(4), "batch_size": .int(32), "learning_rate": .float(0.01), "lambda": .float(0.01),
            "optimizer": .string("adam"), "use_bias": .bool(false), "sampling": .string("user-uniform"),
            "init": .string("normal"), "init_std": .float(0.1),
        ], train: train, seed: 4)
        let users = Array(Int32(0)..<40)
        #expect(try PluginHarness.score(lightGCN.model, users: users, itemCount: 30)
                == PluginHarness.score(bpr.model, users: users, itemCount: 30))
        #expect(RankingTestData.losses(lightGCN.log) == RankingTestData.losses(bpr.log))
    }

    @Test("learns two communities; the loss falls", arguments: ["user-uniform", "interaction-shuffled"])
    func learns(sampling: String) throws {
        let train = try RankingTestData.communities()
        let fitted = try PluginHarness.fit(try PluginHarness.load("LightGCN"), [
            "embedding_size": .int(16), "epochs": .int(40), "batch_size": .int(64), "learning_rate": .float(0.01),
            "sampling": .string(sampling),
        ], train: train, seed: 1)
        let scores = try PluginHarness.score(fitted.model, users: Array(0..<40), itemCount: 30)
        #expect(RankingTestData.communityAccuracy(scores, train: train) >= 0.95)
        let losses = RankingTestData.losses(fitted.log)
        #expect(losses.count == 40 && losses.last! < 0.5 * losses.first!)
    }

    @Test("same seed, same scores with 1 or 2 threads; another seed differs; Glorot start too")
    func deterministic() throws {
        let train = try RankingTestData.communities()
        let plugin = try PluginHarness.load("LightGCN")
        for initialization in ["normal", "xavier-uniform"] {
            let parameters = try PluginParameters.resolve([
                "embedding_size": .int(24), "epochs": .int(3), "batch_size": .int(50), "init": .string(initialization),
            ], against: plugin.manifest).parameters
            var runs: [[Float]] = []
            for (seed, threads) in [(UInt64(8), 1), (8, 2), (9, 2)] {
                let model = try plugin.makeModel(parameters)
                try train.withView { try model.fit($0, seed: seed, threadCount: threads) }
                runs.append(try PluginHarness.score(model, users: Array(0..<40), itemCount: 30))
            }
            #expect(runs[0] == runs[1])
            #expect(runs[0] != runs[2])
        }
    }

    @Test("early stopping goes back to the checkpointed epoch's propagated embeddings")
    func earlyStop() throws {
        let result = try RankingTestData.earlyStop(try PluginHarness.load("LightGCN"),
                                                   ["embedding_size": .int(8), "epochs": .int(10), "batch_size": .int(64)],
                                                   train: try RankingTestData.communities(), best: 3, stop: 5)
        #expect(result.epochs == [1, 2, 3, 4, 5])
        #expect(!result.atBest.isEmpty && result.afterFit == result.atBest)
    }

    @Test("an item nobody interacted with still gets a finite score")
    func coldItem() throws {
        let train = try PluginHarness.matrix(users: 2, items: 3, [(0, 0, 1), (1, 1, 1)])
        let fitted = try PluginHarness.fit(try PluginHarness.load("LightGCN"), ["epochs": .int(2)], train: train)
        #expect(try PluginHarness.score(fitted.model, users: [0, 1], itemCount: 3).allSatisfy(\.isFinite))
    }
}
