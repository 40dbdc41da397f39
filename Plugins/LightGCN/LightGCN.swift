import Foundation
import RecKit
import RecMath

/// LightGCN (He, Deng, Wang, Li, Zhang & Wang, SIGIR 2020): user and item embeddings E⁽⁰⁾ smoothed
/// over the user–item graph by K parameter-free propagation layers and averaged,
///
///     E⁽ᵏ⁾ = Â·E⁽ᵏ⁻¹⁾ (Â = D^−1/2 A D^−1/2),   E = (1/(K+1)) Σ_{k=0..K} E⁽ᵏ⁾,   score(u, i) = ⟨e_u, e_i⟩,
///
/// trained as the reference PyTorch code (gusye1234/LightGCN-PyTorch) does: each epoch draws nnz
/// BPR triples (a uniform user, one of its items, a uniform non-positive item), and for every
/// mini-batch of `batch_size` triples propagates the whole graph, takes
///
///     loss = mean softplus(s_uj − s_ui) + l2 · ½(‖e⁽⁰⁾_u‖² + ‖e⁽⁰⁾_i‖² + ‖e⁽⁰⁾_j‖²) / batch_size
///
/// (L2 on the batch's layer-0 rows, counted per occurrence), backpropagates through the
/// propagation (the same symmetric operator, `LayerMeanPropagation`), and steps dense Adam over
/// the whole embedding table (PyTorch's Adam on `nn.Embedding`: rows outside the batch move too).
/// Embeddings start N(0, 0.1²) as in that code (init = normal) or Glorot uniform as in Microsoft
/// Recommenders' TensorFlow port (init = xavier-uniform).
///
/// Internally users and items are relabelled in reverse Cuthill–McKee order (`NodeOrder`), which
/// only makes the sparse products faster; sampling and initialisation use the original ids. Every
/// sparse product runs on `context.threadCount` threads and gives the same bits at any thread
/// count; sampling is one seeded stream. Logged loss per epoch: the mean batch loss above.
public final class LightGCN: EpochCheckpointing {
    public static let manifest = PluginManifest(
        name: "LightGCN",
        version: "1.0.0",
        description: "Graph convolution without weights or non-linearity: embeddings averaged over K propagation layers, BPR loss (He et al. 2020).",
        capabilities: [.implicitRanking],
        parameters: [
            HyperParameter("embedding_size", .int, default: .int(64), min: 1, max: 4096, doc: "embedding dimension d"),
            HyperParameter("layers", .int, default: .int(3), min: 0, max: 16,
                           doc: "propagation layers K (0 is matrix factorisation with the same loss)"),
            HyperParameter("learning_rate", .float, default: .float(0.001), min: 0, max: 10, logScale: true,
                           doc: "Adam's learning rate"),
            HyperParameter("l2", .float, default: .float(1e-4), min: 0, max: 100,
                           doc: "weight of ½‖layer-0 embeddings of the batch‖² / batch_size (the reference's decay)"),
            HyperParameter("batch_size", .int, default: .int(2048), min: 1, max: 16_777_216, doc: "BPR triples per Adam step"),
            HyperParameter("epochs", .int, default: .int(100), min: 0, max: 100_000,
                           doc: "epochs of nnz triples each (the paper trains up to 1000 with early stopping)"),
            HyperParameter("sampling", .string, default: .string(BPRSampling.userUniform.rawValue),
                           choices: BPRSampling.allCases.map { .string($0.rawValue) },
                           doc: "how an epoch draws (user, positive) pairs: user-uniform is the LightGCN reference's"),
            HyperParameter("init", .string, default: .string("normal"), choices: [.string("normal"), .string("xavier-uniform")],
                           doc: "starting embeddings: N(0, init_std²) (LightGCN-PyTorch) or Glorot uniform (Microsoft Recommenders)"),
            HyperParameter("init_std", .float, default: .float(0.1), min: 0, max: 10, doc: "standard deviation of init = normal"),
            HyperParameter("seed", .int, default: .int(-1), min: -1, max: Double(Int64.max),
                           doc: "seed of initialisation and sampling; -1 uses the run's seed"),
        ])

    private let dimension: Int
    private let layers: Int
    private let learningRate: Float
    private let l2: Float
    private let batchSize: Int
    private let epochCount: Int
    private let sampling: BPRSampling
    private let initialization: Initialization
    private let ownSeed: Int64

    /// Layer-0 embeddings (trained) and the propagated ones, in node order; the propagated ones
    /// again in original id order for scoring. Users' rows first, then items'.
    private var state: Embeddings?
    private var checkpoint: Embeddings?

    private final class Embeddings {
        let userCount: Int
        let order: NodeOrder
        let base: FactorMatrix
        let propagated: FactorMatrix
        let scoring: FactorMatrix

        init(userCount: Int, order: NodeOrder, nodes: Int, dimension: Int) {
            self.userCount = userCount
            self.order = order
            base = FactorMatrix(rows: nodes, columns: dimension)
            propagated = FactorMatrix(rows: nodes, columns: dimension)
            scoring = FactorMatrix(rows: nodes, columns: dimension)
        }

        var itemCount: Int { base.rows - userCount }

        /// Propagates the current layer-0 embeddings and lays them out for scoring.
        func refresh(_ propagation: LayerMeanPropagation, threadCount: Int) {
            propagation.apply(base, into: propagated, threadCount: threadCount)
            order.permuteNodeRows(propagated, into: scoring, toNatural: true)
        }

        func copy() -> Embeddings {
            let copy = Embeddings(userCount: userCount, order: order, nodes: base.rows, dimension: base.columns)
            for (from, to) in [(base, copy.base), (propagated, copy.propagated), (scoring, copy.scoring)] {
                to.base.update(from: from.base, count: from.rows * from.stride)
            }
            return copy
        }
    }

    public init(parameters: PluginParameters) throws {
        dimension = try parameters.int("embedding_size")
        layers = try parameters.int("layers")
        learningRate = Float(try parameters.double("learning_rate"))
        l2 = Float(try parameters.double("l2"))
        batchSize = try parameters.int("batch_size")
        epochCount = try parameters.int("epochs")
        let samplingName = try parameters.string("sampling")
        guard let sampling = BPRSampling(rawValue: samplingName) else {
            throw PluginError("LightGCN: unknown sampling \"\(samplingName)\"")
        }
        self.sampling = sampling
        initialization = try parameters.string("init") == "xavier-uniform"
            ? .xavierUniform() : .normal(standardDeviation: try parameters.double("init_std"))
        ownSeed = Int64(try parameters.int("seed"))
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        state = nil
        checkpoint = nil
        let interactions = try SparseRowMatrix(train)
        let sampler = try BPRSampler(interactions, scheme: sampling)
        let order = NodeOrder.reverseCuthillMcKee(interactions)
        let graph = NormalizedAdjacency(order.apply(to: interactions))
        let propagation = LayerMeanPropagation(adjacency: graph, layers: layers, columns: dimension)
        var generator = SeededGenerator(seed: context.seed(overriddenBy: ownSeed))

        let model = Embeddings(userCount: graph.userCount, order: order, nodes: graph.nodeCount, dimension: dimension)
        // Users' table, then items' table, each with its own fans (two nn.Embedding in the
        // reference), drawn in original id order and then moved to node order.
        let start = FactorMatrix(rows: graph.nodeCount, columns: dimension)
        initialization.fill(start, rows: 0..<graph.userCount, using: &generator)
        initialization.fill(start, rows: graph.userCount..<graph.nodeCount, using: &generator)
        order.permuteNodeRows(start, into: model.base, toNatural: false)
        state = model
        let trainer = Trainer(model: model, propagation: propagation, learningRate: learningRate, l2: l2,
                              threadCount: context.threadCount)

        for epoch in stride(from: 1, through: epochCount, by: 1) {
            let start = Date()
            let triples = order.apply(to: sampler.sample(using: &generator))
            let loss = trainer.epoch(triples, batchSize: batchSize)
            guard loss.isFinite else {
                throw PluginError("LightGCN: the loss diverged at epoch \(epoch) (learning_rate \(learningRate) is too large?)")
            }
            context.log(String(format: "epoch %d/%d loss %.6f (%.2f s)", epoch, epochCount, loss, Date().timeIntervalSince(start)))
            try context.progress(Double(epoch) / Double(epochCount), "epoch \(epoch)/\(epochCount)")
            let decision = try context.endEpoch(epoch, loss: loss) {
                model.refresh(propagation, threadCount: context.threadCount)
            }
            if decision == .stop { break }
        }
        // The trained table, or the checkpoint early stopping went back to: propagate it for scoring.
        state?.refresh(propagation, threadCount: context.threadCount)
    }

    /// One epoch's mini-batches: the buffers of a batch step, reused across batches.
    private final class Trainer {
        let model: Embeddings
        let propagation: LayerMeanPropagation
        let adam: Adam
        let l2: Float
        let threadCount: Int
        let propagatedGradient: FactorMatrix
        let baseGradient: FactorMatrix

        init(model: Embeddings, propagation: LayerMeanPropagation, learningRate: Float, l2: Float, threadCount: Int) {
            self.model = model
            self.propagation = propagation
            self.l2 = l2
            self.threadCount = threadCount
            adam = Adam(count: model.base.rows * model.base.stride, learningRate: learningRate)
            propagatedGradient = FactorMatrix(rows: model.base.rows, columns: model.base.columns)
            baseGradient = FactorMatrix(rows: model.base.rows, columns: model.base.columns)
        }

        /// Returns the mean batch loss.
        func epoch(_ triples: BPRTriples, batchSize: Int) -> Double {
            let batches = triples.batches(of: batchSize)
            guard !batches.isEmpty else { return 0 }
            let stride = model.base.stride, users = model.userCount
            var total = 0.0
            for batch in batches {
                // Only the batch's nodes are read (forward) and get a gradient (backward).
                let nodes = triples.nodes(batch, itemOffset: users)
                propagation.apply(model.base, into: model.propagated, rows: nodes, threadCount: threadCount)
                let scale = 1 / Float(batch.count)
                let propagated = BPRLoss.Embeddings(users: model.propagated.base, items: model.propagated.base + users * stride,
                                                    stride: stride)
                let towardsPropagated = BPRLoss.Gradients(users: propagatedGradient.base,
                                                          items: propagatedGradient.base + users * stride)
                let ranking = BPRLoss.accumulate(triples, batch, propagated, into: towardsPropagated, scale: scale)
                propagation.backward(propagatedGradient, supportedOn: nodes, into: baseGradient, threadCount: threadCount)
                let base = BPRLoss.Embeddings(users: model.base.base, items: model.base.base + users * stride, stride: stride)
                let towardsBase = BPRLoss.Gradients(users: baseGradient.base, items: baseGradient.base + users * stride)
                let penalty = BPRLoss.accumulateL2(triples, batch, base, into: towardsBase, weight: l2 * scale)
                adam.step(model.base.base, gradient: baseGradient.base, threadCount: threadCount)
                clearRows(of: triples, batch)
                total += (ranking + Double(l2) * penalty) / Double(batch.count)
            }
            return total / Double(batches.count)
        }

        /// The batch's rows are the only non-zero rows of the propagated gradient: zero them for
        /// the next batch (cheaper than clearing the table).
        private func clearRows(of triples: BPRTriples, _ batch: Range<Int>) {
            let stride = propagatedGradient.stride, items = propagatedGradient.base + model.userCount * stride
            for t in batch {
                DenseVector.zero(propagatedGradient.base + Int(triples.users[t]) * stride, count: stride)
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
        guard let model = state else { throw PluginError("LightGCN: score before fit") }
        guard itemCount == model.itemCount else {
            throw PluginError("LightGCN: asked for \(itemCount) items, trained on \(model.itemCount)")
        }
        if let bad = users.first(where: { $0 < 0 || Int($0) >= model.userCount }) {
            throw PluginError("LightGCN: user \(bad) is outside the \(model.userCount) training users")
        }
        let table = model.scoring
        EmbeddingScores.fill(users: users, userRows: table.base, itemRows: table.base + model.userCount * table.stride,
                             itemCount: itemCount, columns: table.columns, stride: table.stride, into: scores)
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: LightGCN.self)
}
