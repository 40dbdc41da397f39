import Foundation
import RecKit
import RecMath
import Testing

/// NGCF through its .so. Its layer arithmetic is checked against finite differences in
/// RecMathTests (GradientCheckTests); here: with no layer and no dropout it is LightGCN with no
/// layer, it learns, it is deterministic at any thread count, early stopping restores the best epoch.
@Suite("NGCF")
struct NGCFTests {
    @Test("manifest: name, capability and defaults (NGCF-PyTorch's, but a tenfold learning rate)")
    func manifest() throws {
        let manifest = try PluginHarness.load("NGCF").manifest
        #expect(manifest.name == "NGCF")
        #expect(manifest.capabilities == [.implicitRanking])
        let defaults = Dictionary(uniqueKeysWithValues: try manifest.parameters.map { ($0.name, try $0.check($0.defaultValue)) })
        #expect(defaults == [
            "embedding_size": .int(64), "layers": .int(3), "layer_size": .int(64), "learning_rate": .float(1e-3),
            "l2": .float(1e-5), "batch_size": .int(1024), "epochs": .int(100), "node_dropout": .float(0.1),
            "message_dropout": .float(0.1), "adjacency": .string("mean-self-loops"), "sampling": .string("user-uniform"),
            "variant": .string("ngcf-pytorch"), "seed": .int(-1),
        ])
    }

    /// No layer, no dropout: the representation is E⁽⁰⁾ and the L2 on it is LightGCN's; both start
    /// Glorot-uniform from the same draws and sample the same triples, so the scores must agree bit
    /// for bit.
    @Test("K = 0 without dropout is LightGCN with K = 0, bit for bit")
    func zeroLayers() throws {
        let train = try RankingTestData.communities()
        let common: [String: ParameterValue] = [
            "layers": .int(0), "embedding_size": .int(8), "epochs": .int(3), "batch_size": .int(32),
            "learning_rate": .float(0.01), "l2": .float(0.01),
        ]
        var ngcfParameters = common
        ngcfParameters["node_dropout"] = .float(0)
        ngcfParameters["message_dropout"] = .float(0)
        var lightGCNParameters = common
        lightGCNParameters["init"] = .string("xavier-uniform")
        let ngcf = try PluginHarness.fit(try PluginHarness.load("NGCF"), ngcfParameters, train: train, seed: 2)
        let lightGCN = try PluginHarness.fit(try PluginHarness.load("LightGCN"), lightGCNParameters, train: train, seed: 2)
        let users = Array(Int32(0)..<40)
        #expect(try PluginHarness.score(ngcf.model, users: users, itemCount: 30)
                == PluginHarness.score(lightGCN.model, users: users, itemCount: 30))
    }

    @Test("learns two communities with dropout, on either propagation matrix, as either variant",
          arguments: [("mean-self-loops", "ngcf-pytorch"), ("symmetric", "ngcf-pytorch"), ("symmetric", "recbole")])
    func learns(adjacency: String, variant: String) throws {
        let train = try RankingTestData.communities()
        let fitted = try PluginHarness.fit(try PluginHarness.load("NGCF"), [
            "embedding_size": .int(16), "layers": .int(2), "layer_size": .int(16), "epochs": .int(40), "batch_size": .int(64),
            "learning_rate": .float(0.01), "adjacency": .string(adjacency), "variant": .string(variant),
        ], train: train, seed: 1)
        let scores = try PluginHarness.score(fitted.model, users: Array(0..<40), itemCount: 30)
        #expect(RankingTestData.communityAccuracy(scores, train: train) >= 0.95)
        let losses = RankingTestData.losses(fitted.log)
        #expect(losses.count == 40 && losses.last! < 0.5 * losses.first!)
    }

    @Test("same seed, same scores with 1 or 2 threads; another seed differs")
    func deterministic() throws {
        let train = try RankingTestData.communities()
        let plugin = try PluginHarness.load("NGCF")
        let parameters = try PluginParameters.resolve([
            "embedding_size": .int(16), "layers": .int(2), "layer_size": .int(8), "epochs": .int(2), "batch_size": .int(50),
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

    @Test("early stopping goes back to the checkpointed epoch's representations")
    func earlyStop() throws {
        let result = try RankingTestData.earlyStop(try PluginHarness.load("NGCF"),
                                                   ["embedding_size": .int(8), "layer_size": .int(8), "epochs": .int(6),
                                                    "batch_size": .int(64), "learning_rate": .float(0.01)],
                                                   train: try RankingTestData.communities(), best: 2, stop: 4)
        #expect(result.epochs == [1, 2, 3, 4])
        #expect(!result.atBest.isEmpty && result.afterFit == result.atBest)
    }
}
