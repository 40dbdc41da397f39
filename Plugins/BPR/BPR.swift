import Foundation
import RecKit
import RecMath

/// BPR-MF: matrix factorisation trained with the Bayesian Personalised Ranking criterion (Rendle,
/// Freudenthaler, Gantner & Schmidt-Thieme, UAI 2009), with an optional item bias as Cornac's BPR.
///
///     score(u, i) = ⟨p_u, q_i⟩ + b_i
///     per triple (u, i⁺, j⁻):  softplus(−x_uij) + (λ/2)(‖p_u‖² + ‖q_i‖² + ‖q_j‖² + b_i² + b_j²),
///                              x_uij = score(u, i) − score(u, j)
///
/// optimizer = sgd is Cornac's `BPR._fit_sgd` (LearnBPR): one step per triple, every update from
/// the values before it (`BPRLoss.sgdStep`), on one thread so that a seed fixes the result (Cornac
/// too trains single-threaded when given a seed). optimizer = adam takes mini-batches of
/// `batch_size` triples and minimises the batch mean of the per-triple objective with dense Adam
/// (PyTorch semantics, as the LightGCN code trains its MF baseline).
///
/// An epoch is one pass of the sampler: nnz triples (Cornac's "iteration": nnz interactions drawn
/// with replacement, a uniform negative each, a triple whose negative is a positive skipped with
/// negatives = skip). Cornac's start: factors U(−0.5, 0.5)/k, biases 0 (init = uniform).
/// Logged loss per epoch: the mean softplus(−x_uij) over the epoch's triples before their steps
/// (sgd), or the mean batch objective including the L2 term (adam).
public final class BPR: EpochCheckpointing {
    public static let manifest = PluginManifest(
        name: "BPR",
        version: "1.0.0",
        description: "Matrix factorisation with the BPR pairwise ranking loss and item bias (Rendle et al. 2009; Cornac's BPR).",
        capabilities: [.implicitRanking],
        parameters: [
            HyperParameter("factors", .int, default: .int(64), min: 1, max: 4096, doc: "number of latent factors k"),
            HyperParameter("epochs", .int, default: .int(100), min: 0, max: 100_000,
                           doc: "passes of the sampler, nnz triples each (Cornac's max_iter)"),
            HyperParameter("learning_rate", .float, default: .float(0.01), min: 0, max: 10, logScale: true,
                           doc: "SGD step size, or Adam's learning rate"),
            HyperParameter("lambda", .float, default: .float(0.001), min: 0, max: 100,
                           doc: "L2 weight λ on the factors and biases of each triple (Cornac's lambda_reg)"),
            HyperParameter("optimizer", .string, default: .string("sgd"), choices: [.string("sgd"), .string("adam")],
                           doc: "sgd: one step per triple (Cornac); adam: mini-batches of batch_size, dense Adam"),
            HyperParameter("batch_size", .int, default: .int(1024), min: 1, max: 16_777_216,
                           doc: "triples per Adam step (optimizer = adam only)"),
            HyperParameter("use_bias", .bool, default: .bool(true), doc: "learn an item bias b_i (Cornac's use_bias)"),
            HyperParameter("sampling", .string, default: .string(BPRSampling.interactionWithReplacement.rawValue),
                           choices: BPRSampling.allCases.map { .string($0.rawValue) },
                           doc: "how an epoch draws (user, positive) pairs: Cornac's draws with replacement, "
                               + "RecBole's shuffled pass, or a uniform user then one of its items (LightGCN)"),
            HyperParameter("negatives", .string, default: .string(NegativeCollision.resample.rawValue),
                           choices: NegativeCollision.allCases.map { .string($0.rawValue) },
                           doc: "a uniform negative that is a positive of the user: draw again, or skip the triple (Cornac)"),
            HyperParameter("init", .string, default: .string("uniform"),
                           choices: [.string("uniform"), .string("normal"), .string("xavier-uniform"), .string("xavier-normal")],
                           doc: "starting factors: uniform = U(-0.5, 0.5)/factors (Cornac), normal = N(0, init_std²), "
                               + "Glorot uniform, or Glorot normal (RecBole's xavier_normal_ on each embedding table)"),
            HyperParameter("init_std", .float, default: .float(0.1), min: 0, max: 10,
                           doc: "standard deviation of init = normal"),
            HyperParameter("seed", .int, default: .int(-1), min: -1, max: Double(Int64.max),
                           doc: "seed of initialisation and sampling; -1 uses the run's seed"),
        ])

    private let factorCount: Int
    private let epochCount: Int
    private let learningRate: Float
    private let lambda: Float
    private let useAdam: Bool
    private let batchSize: Int
    private let useBias: Bool
    private let sampling: BPRSampling
    private let collision: NegativeCollision
    private let initialization: String
    private let initStd: Double
    private let ownSeed: Int64

    private var state: Parameters?
    private var checkpoint: Parameters?

    /// Everything scoring needs.
    private final class Parameters {
        let users: FactorMatrix
        let items: FactorMatrix
        var itemBias: [Float]

        init(users: Int, items: Int, factors: Int) {
            self.users = FactorMatrix(rows: users, columns: factors)
            self.items = FactorMatrix(rows: items, columns: factors)
            itemBias = [Float](repeating: 0, count: items)
        }

        func copy() -> Parameters {
            let copy = Parameters(users: users.rows, items: items.rows, factors: users.columns)
            copy.users.base.update(from: users.base, count: users.rows * users.stride)
            copy.items.base.update(from: items.base, count: items.rows * items.stride)
            copy.itemBias = itemBias
            return copy
        }
    }

    public init(parameters: PluginParameters) throws {
        factorCount = try parameters.int("factors")
        epochCount = try parameters.int("epochs")
        learningRate = Float(try parameters.double("learning_rate"))
        lambda = Float(try parameters.double("lambda"))
        useAdam = try parameters.string("optimizer") == "adam"
        batchSize = try parameters.int("batch_size")
        useBias = try parameters.bool("use_bias")
        let samplingName = try parameters.string("sampling"), negativesName = try parameters.string("negatives")
        guard let sampling = BPRSampling(rawValue: samplingName) else { throw PluginError("BPR: unknown sampling \"\(samplingName)\"") }
        guard let collision = NegativeCollision(rawValue: negativesName) else { throw PluginError("BPR: unknown negatives \"\(negativesName)\"") }
        self.sampling = sampling
        self.collision = collision
        initialization = try parameters.string("init")
        initStd = try parameters.double("init_std")
        ownSeed = Int64(try parameters.int("seed"))
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        state = nil
        checkpoint = nil
        let interactions = try SparseRowMatrix(train)
        let sampler = try BPRSampler(interactions, scheme: sampling, collision: collision)
        var generator = SeededGenerator(seed: context.seed(overriddenBy: ownSeed))
        let model = Parameters(users: train.rowCount, items: train.columnCount, factors: factorCount)
        let start: Initialization = switch initialization {
        case "normal": .normal(standardDeviation: initStd)
        case "xavier-uniform": .xavierUniform()
        case "xavier-normal": .xavierNormal()
        default: .uniform(low: -0.5 / Double(factorCount), high: 0.5 / Double(factorCount))
        }
        start.fill(model.users, using: &generator)
        start.fill(model.items, using: &generator)
        state = model
        let optimizers = useAdam ? AdamState(model, learningRate: learningRate) : nil

        for epoch in stride(from: 1, through: epochCount, by: 1) {
            let triples = sampler.sample(using: &generator)
            let loss = if let optimizers {
                adamEpoch(triples, model, optimizers, threadCount: context.threadCount)
            } else {
                sgdEpoch(triples, model)
            }
            guard loss.isFinite else {
                throw PluginError("BPR: the loss diverged at epoch \(epoch) (learning_rate \(learningRate) is too large?)")
            }
            context.log(String(format: "epoch %d/%d loss %.6f triples %d", epoch, epochCount, loss, triples.count))
            try context.progress(Double(epoch) / Double(epochCount), "epoch \(epoch)/\(epochCount)")
            if try context.endEpoch(epoch, loss: loss) == .stop { break }
        }
    }

    /// One pass of per-triple SGD steps; returns the mean softplus(−x) before each step.
    private func sgdEpoch(_ triples: BPRTriples, _ model: Parameters) -> Double {
        guard triples.count > 0 else { return 0 }
        let stride = model.users.stride, users = model.users.base, items = model.items.base
        let (lr, lambda, useBias) = (learningRate, lambda, useBias)
        var total = 0.0
        model.itemBias.withUnsafeMutableBufferPointer { bias in
            let bias = bias.baseAddress!
            for t in 0..<triples.count {
                let i = Int(triples.positives[t]), j = Int(triples.negatives[t])
                let x = BPRLoss.sgdStep(user: users + Int(triples.users[t]) * stride, positive: items + i * stride,
                                        negative: items + j * stride, count: stride,
                                        positiveBias: useBias ? bias + i : nil, negativeBias: useBias ? bias + j : nil,
                                        learningRate: lr, lambda: lambda)
                total += BPRLoss.softplus(-Double(x))
            }
        }
        return total / Double(triples.count)
    }

    /// Adam's moments for the three parameter tensors, and their gradient buffers.
    private final class AdamState {
        let users, items, bias: Adam
        let userGradient, itemGradient: FactorMatrix
        var biasGradient: [Float]

        init(_ model: Parameters, learningRate: Float) {
            users = Adam(count: model.users.rows * model.users.stride, learningRate: learningRate)
            items = Adam(count: model.items.rows * model.items.stride, learningRate: learningRate)
            bias = Adam(count: model.itemBias.count, learningRate: learningRate)
            userGradient = FactorMatrix(rows: model.users.rows, columns: model.users.columns)
            itemGradient = FactorMatrix(rows: model.items.rows, columns: model.items.columns)
            biasGradient = [Float](repeating: 0, count: model.itemBias.count)
        }
    }

    /// One pass of mini-batch Adam steps; returns the mean batch objective.
    private func adamEpoch(_ triples: BPRTriples, _ model: Parameters, _ adam: AdamState, threadCount: Int) -> Double {
        let batches = triples.batches(of: batchSize)
        guard !batches.isEmpty else { return 0 }
        var total = 0.0
        for batch in batches {
            adam.userGradient.setZero()
            adam.itemGradient.setZero()
            let scale = 1 / Float(batch.count)
            model.itemBias.withUnsafeMutableBufferPointer { bias in
                adam.biasGradient.withUnsafeMutableBufferPointer { biasGradient in
                    biasGradient.update(repeating: 0)
                    let embeddings = BPRLoss.Embeddings(users: model.users.base, items: model.items.base,
                                                        stride: model.users.stride,
                                                        itemBias: useBias ? UnsafePointer(bias.baseAddress!) : nil)
                    let gradients = BPRLoss.Gradients(users: adam.userGradient.base, items: adam.itemGradient.base,
                                                      itemBias: useBias ? biasGradient.baseAddress! : nil)
                    let ranking = BPRLoss.accumulate(triples, batch, embeddings, into: gradients, scale: scale)
                    let penalty = BPRLoss.accumulateL2(triples, batch, embeddings, into: gradients, weight: lambda * scale)
                    total += (ranking + Double(lambda) * penalty) / Double(batch.count)
                    adam.users.step(model.users.base, gradient: adam.userGradient.base, threadCount: threadCount)
                    adam.items.step(model.items.base, gradient: adam.itemGradient.base, threadCount: threadCount)
                    if useBias { adam.bias.step(bias.baseAddress!, gradient: biasGradient.baseAddress!) }
                }
            }
        }
        return total / Double(batches.count)
    }

    public func keepCheckpoint() { checkpoint = state?.copy() }

    public func restoreCheckpoint() {
        if let checkpoint { state = checkpoint.copy() }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard let model = state else { throw PluginError("BPR: score before fit") }
        guard itemCount == model.items.rows else {
            throw PluginError("BPR: asked for \(itemCount) items, trained on \(model.items.rows)")
        }
        if let bad = users.first(where: { $0 < 0 || Int($0) >= model.users.rows }) {
            throw PluginError("BPR: user \(bad) is outside the \(model.users.rows) training users")
        }
        model.itemBias.withUnsafeBufferPointer { bias in
            EmbeddingScores.fill(users: users, userRows: model.users.base, itemRows: model.items.base, itemCount: itemCount,
                                 columns: model.users.columns, stride: model.users.stride,
                                 itemBias: useBias ? bias.baseAddress : nil, into: scores)
        }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: BPR.self)
}
