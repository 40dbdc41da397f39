import Foundation
import RecKit
import RecMath

/// NGCF, Neural Graph Collaborative Filtering (Wang, He, Wang, Feng & Chua, SIGIR 2019), trained as
/// NGCF-PyTorch (huangtinglin/NGCF-PyTorch, the port of the authors' TensorFlow code) trains it:
///
/// - K layers, each E⁽ᵏ⁾ = LeakyReLU_0.2(Â E⁽ᵏ⁻¹⁾ W1ₖ + b1ₖ + (E⁽ᵏ⁻¹⁾ ⊙ Â E⁽ᵏ⁻¹⁾) W2ₖ + b2ₖ), message
///   dropout on E⁽ᵏ⁾, Â = (D + I)^−1 (A + I) with edge ("node") dropout in training
///   (`NGCFPropagation`); the representation is [E⁽⁰⁾ | E⁽¹⁾/‖·‖ | … | E⁽ᴷ⁾/‖·‖], score = inner product;
/// - BPR loss on nnz triples per epoch (a uniform user, one of its items, a uniform non-positive),
///   mini-batches of `batch_size`: mean softplus(s_uj − s_ui) + l2 · ½(‖u‖² + ‖i‖² + ‖j‖²)/batch_size
///   on the batch's final representations (that code regularises the output, not E⁽⁰⁾);
/// - Adam (PyTorch defaults, dense) on E⁽⁰⁾ and every W and b; everything Glorot-uniform at start.
///
/// Differences from that code: dropout is off when scoring (the port never calls `model.eval()`,
/// so its test-time scores keep message dropout); a batch's users are drawn with replacement.
/// Logged loss per epoch: the mean batch loss above.
///
/// `variant = "recbole"` is RecBole's NGCF instead (recbole/model/general_recommender/ngcf.py, 1.2):
/// W1 takes S + E⁽ᵏ⁻¹⁾ ("(L + I)EW₁"), the next layer takes the normalised E⁽ᵏ⁾, the penalty is
/// l2·(‖U‖ + ‖P‖ + ‖N‖)/batch_size with Frobenius norms *not* squared (its EmbLoss) on the batch's
/// final representations, embeddings and weights start Glorot-normal with zero biases. Use it with
/// adjacency = "symmetric" (its D^−1/2 A D^−1/2, no self-loops) and sampling =
/// "interaction-shuffled" (one shuffled pass over the training interactions per epoch), as RecBole.
public final class NGCF: EpochCheckpointing {
    public static let manifest = PluginManifest(
        name: "NGCF",
        version: "1.1.0",
        description: "Neural Graph Collaborative Filtering: K message-passing layers with weights, LeakyReLU and dropout, concatenated, BPR loss (Wang et al. 2019).",
        capabilities: [.implicitRanking],
        parameters: [
            HyperParameter("embedding_size", .int, default: .int(64), min: 1, max: 4096, doc: "size d of the layer-0 embeddings E⁽⁰⁾"),
            HyperParameter("layers", .int, default: .int(3), min: 0, max: 8, doc: "propagation layers K"),
            HyperParameter("layer_size", .int, default: .int(64), min: 1, max: 4096, doc: "output size of every layer"),
            HyperParameter("learning_rate", .float, default: .float(1e-3), min: 0, max: 10, logScale: true,
                           doc: "Adam's learning rate (the reference takes 0.0001 and 400 epochs on Gowalla)"),
            HyperParameter("l2", .float, default: .float(1e-5), min: 0, max: 100,
                           doc: "weight of ½‖final representations of the batch‖² / batch_size (the reference's regs)"),
            HyperParameter("batch_size", .int, default: .int(1024), min: 1, max: 16_777_216, doc: "BPR triples per Adam step"),
            HyperParameter("epochs", .int, default: .int(100), min: 0, max: 100_000,
                           doc: "epochs of nnz triples each (the reference trains 400 with early stopping)"),
            HyperParameter("node_dropout", .float, default: .float(0.1), min: 0, max: 0.99,
                           doc: "share of Â's entries dropped (and the rest scaled up) at each training step"),
            HyperParameter("message_dropout", .float, default: .float(0.1), min: 0, max: 0.99,
                           doc: "dropout rate on every layer's output in training"),
            HyperParameter("adjacency", .string, default: .string(NormalizedAdjacency.Normalization.meanWithSelfLoops.rawValue),
                           choices: NormalizedAdjacency.Normalization.allCases.map { .string($0.rawValue) },
                           doc: "propagation matrix: (D+I)^-1 (A+I) as NGCF-PyTorch, or D^-1/2 A D^-1/2"),
            HyperParameter("sampling", .string, default: .string(BPRSampling.userUniform.rawValue),
                           choices: BPRSampling.allCases.map { .string($0.rawValue) },
                           doc: "how an epoch draws (user, positive) pairs (user-uniform is the reference's)"),
            HyperParameter("variant", .string, default: .string("ngcf-pytorch"), choices: [.string("ngcf-pytorch"), .string("recbole")],
                           doc: "ngcf-pytorch: the authors' model as NGCF-PyTorch; recbole: RecBole's NGCF (W1 on S + E, normalised layers chained, un-squared norm penalty, Glorot-normal start)"),
            HyperParameter("seed", .int, default: .int(-1), min: -1, max: Double(Int64.max),
                           doc: "seed of initialisation, sampling and dropout; -1 uses the run's seed"),
        ])

    private let dimension: Int
    private let layerCount: Int
    private let layerSize: Int
    private let learningRate: Float
    private let l2: Float
    private let batchSize: Int
    private let epochCount: Int
    private let nodeDropout: Float
    private let messageDropout: Float
    private let normalization: NormalizedAdjacency.Normalization
    private let sampling: BPRSampling
    private let ownSeed: Int64
    private let recbole: Bool

    /// Scoring state: the final representations (users' rows, then items').
    private var state: Representations?
    private var checkpoint: Representations?

    private final class Representations {
        let userCount: Int
        let table: FactorMatrix
        init(userCount: Int, table: FactorMatrix) {
            self.userCount = userCount
            self.table = table
        }
        var itemCount: Int { table.rows - userCount }
        func copy() -> Representations {
            let copy = FactorMatrix(rows: table.rows, columns: table.columns)
            copy.base.update(from: table.base, count: table.rows * table.stride)
            return Representations(userCount: userCount, table: copy)
        }
    }

    public init(parameters: PluginParameters) throws {
        dimension = try parameters.int("embedding_size")
        layerCount = try parameters.int("layers")
        layerSize = try parameters.int("layer_size")
        learningRate = Float(try parameters.double("learning_rate"))
        l2 = Float(try parameters.double("l2"))
        batchSize = try parameters.int("batch_size")
        epochCount = try parameters.int("epochs")
        nodeDropout = Float(try parameters.double("node_dropout"))
        messageDropout = Float(try parameters.double("message_dropout"))
        let adjacencyName = try parameters.string("adjacency"), samplingName = try parameters.string("sampling")
        guard let normalization = NormalizedAdjacency.Normalization(rawValue: adjacencyName) else {
            throw PluginError("NGCF: unknown adjacency \"\(adjacencyName)\"")
        }
        guard let sampling = BPRSampling(rawValue: samplingName) else { throw PluginError("NGCF: unknown sampling \"\(samplingName)\"") }
        self.normalization = normalization
        self.sampling = sampling
        ownSeed = Int64(try parameters.int("seed"))
        recbole = try parameters.string("variant") == "recbole"
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        state = nil
        checkpoint = nil
        let interactions = try SparseRowMatrix(train)
        let sampler = try BPRSampler(interactions, scheme: sampling)
        let graph = NormalizedAdjacency(interactions, normalization: normalization)
        let propagation = NGCFPropagation(adjacency: graph, sizes: [dimension] + Array(repeating: layerSize, count: layerCount),
                                          messageDropout: messageDropout, nodeDropout: nodeDropout,
                                          selfMessage: recbole, chainNormalized: recbole)
        var generator = SeededGenerator(seed: context.seed(overriddenBy: ownSeed))
        let base = FactorMatrix(rows: graph.nodeCount, columns: dimension)
        let start: Initialization = recbole ? .xavierNormal() : .xavierUniform()
        start.fill(base, rows: 0..<graph.userCount, using: &generator)
        start.fill(base, rows: graph.userCount..<graph.nodeCount, using: &generator)
        propagation.initializeWeights(using: &generator, zeroBiases: recbole)
        let model = Representations(userCount: graph.userCount,
                                    table: FactorMatrix(rows: graph.nodeCount, columns: propagation.outputColumns))
        state = model
        let trainer = Trainer(base: base, propagation: propagation, model: model, learningRate: learningRate, l2: l2,
                              normPenalty: recbole, threadCount: context.threadCount)

        for epoch in stride(from: 1, through: epochCount, by: 1) {
            let start = Date()
            let triples = sampler.sample(using: &generator)
            let loss = trainer.epoch(triples, batchSize: batchSize, using: &generator)
            guard loss.isFinite else {
                throw PluginError("NGCF: the loss diverged at epoch \(epoch) (learning_rate \(learningRate) is too large?)")
            }
            context.log(String(format: "epoch %d/%d loss %.6f (%.2f s)", epoch, epochCount, loss, Date().timeIntervalSince(start)))
            try context.progress(Double(epoch) / Double(epochCount), "epoch \(epoch)/\(epochCount)")
            let decision = try context.endEpoch(epoch, loss: loss) {
                trainer.represent(into: model.table, using: &generator)
            }
            if decision == .stop { break }
        }
        // Early stopping restored a checkpoint of the representations; otherwise compute them once.
        if let final = state, final === model {
            trainer.represent(into: model.table, using: &generator)
        }
    }

    /// Parameters, optimisers and gradient buffers of one fit.
    private final class Trainer {
        let base: FactorMatrix
        let propagation: NGCFPropagation
        let model: Representations
        let l2: Float
        /// RecBole's un-squared norms instead of ½‖·‖².
        let normPenalty: Bool
        let threadCount: Int
        let baseAdam: Adam
        let weightAdams: [Adam]
        let outputGradient: FactorMatrix
        let baseGradient: FactorMatrix

        init(base: FactorMatrix, propagation: NGCFPropagation, model: Representations, learningRate: Float, l2: Float,
             normPenalty: Bool, threadCount: Int) {
            self.base = base
            self.propagation = propagation
            self.model = model
            self.l2 = l2
            self.normPenalty = normPenalty
            self.threadCount = threadCount
            baseAdam = Adam(count: base.rows * base.stride, learningRate: learningRate)
            weightAdams = propagation.layers.flatMap(\.tensors).map { Adam(count: $0.rows * $0.stride, learningRate: learningRate) }
            outputGradient = FactorMatrix(rows: base.rows, columns: propagation.outputColumns)
            baseGradient = FactorMatrix(rows: base.rows, columns: base.columns)
        }

        /// The representations without dropout, for scoring.
        func represent(into table: FactorMatrix, using generator: inout SeededGenerator) {
            propagation.forward(base, into: table, training: false, using: &generator, threadCount: threadCount)
        }

        /// Returns the mean batch loss.
        func epoch(_ triples: BPRTriples, batchSize: Int, using generator: inout SeededGenerator) -> Double {
            let batches = triples.batches(of: batchSize)
            guard !batches.isEmpty else { return 0 }
            let table = model.table, stride = table.stride, users = model.userCount
            let representations = BPRLoss.Embeddings(users: table.base, items: table.base + users * stride, stride: stride)
            let towards = BPRLoss.Gradients(users: outputGradient.base, items: outputGradient.base + users * stride)
            var total = 0.0
            for batch in batches {
                propagation.forward(base, into: table, training: true, using: &generator, threadCount: threadCount)
                let scale = 1 / Float(batch.count)
                let ranking = BPRLoss.accumulate(triples, batch, representations, into: towards, scale: scale)
                let penalty = normPenalty
                    ? BPRLoss.accumulateNorms(triples, batch, representations, into: towards, weight: l2 * scale)
                    : BPRLoss.accumulateL2(triples, batch, representations, into: towards, weight: l2 * scale)
                propagation.zeroGradients()
                propagation.backward(base, outputGradient: outputGradient, into: baseGradient, threadCount: threadCount)
                baseAdam.step(base.base, gradient: baseGradient.base, threadCount: threadCount)
                for (adam, (tensor, gradient)) in zip(weightAdams, zip(propagation.layers.flatMap(\.tensors),
                                                                       propagation.gradients.flatMap(\.tensors))) {
                    adam.step(tensor.base, gradient: gradient.base)
                }
                clearRows(of: triples, batch)
                total += (ranking + Double(l2) * penalty) / Double(batch.count)
            }
            return total / Double(batches.count)
        }

        /// The batch's rows are the only non-zero rows of the output gradient.
        private func clearRows(of triples: BPRTriples, _ batch: Range<Int>) {
            let stride = outputGradient.stride, items = outputGradient.base + model.userCount * stride
            for t in batch {
                DenseVector.zero(outputGradient.base + Int(triples.users[t]) * stride, count: stride)
                DenseVector.zero(items + Int(triples.positives[t]) * stride, count: stride)
                DenseVector.zero(items + Int(triples.negatives[t]) * stride, count: stride)
            }
        }
    }

    public func keepCheckpoint() { checkpoint = state?.copy() }

    public func restoreCheckpoint() {
        if let checkpoint { state = checkpoint.copy() }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard let model = state else { throw PluginError("NGCF: score before fit") }
        guard itemCount == model.itemCount else {
            throw PluginError("NGCF: asked for \(itemCount) items, trained on \(model.itemCount)")
        }
        if let bad = users.first(where: { $0 < 0 || Int($0) >= model.userCount }) {
            throw PluginError("NGCF: user \(bad) is outside the \(model.userCount) training users")
        }
        let table = model.table
        EmbeddingScores.fill(users: users, userRows: table.base, itemRows: table.base + model.userCount * table.stride,
                             itemCount: itemCount, columns: table.columns, stride: table.stride, into: scores)
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: NGCF.self)
}
