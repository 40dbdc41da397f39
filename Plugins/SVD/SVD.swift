import Foundation
import RecKit
import RecMath

/// SVD: Funk's biased matrix factorisation trained by stochastic gradient descent, as Surprise's
/// `SVD` (Surprise 1.1, `prediction_algorithms/matrix_factorization.pyx`; Koren, Bell & Volinsky
/// 2009, eq. 5; Ricci et al., Recommender Systems Handbook 2010, §5.3.1).
///
///     r̂_ui = μ + b_u + b_i + q_iᵀ p_u            (biased = false: r̂_ui = q_iᵀ p_u)
///
/// Biases start at 0, factors at N(init_mean, init_std_dev²) (users' rows, then items'). Each epoch
/// visits every training rating user by user (Surprise's `all_ratings()` order; here items ascend
/// within a user) and takes one step, all right-hand sides from the old values:
///
///     e_ui = r_ui − r̂_ui        (biased = false: μ is taken as 0 and the biases stay 0)
///     b_u ← b_u + lr_bu (e_ui − reg_bu b_u)          b_i ← b_i + lr_bi (e_ui − reg_bi b_i)
///     p_u ← p_u + lr_pu (e_ui q_i − reg_pu p_u)      q_i ← q_i + lr_qi (e_ui p_u − reg_qi q_i)
///
/// Prediction: an unknown user (item) contributes neither bias nor factors, so r̂ = μ + b_i (μ + b_u);
/// unbiased with either unknown → μ (Surprise's `PredictionImpossible` fallback, the global mean).
/// Logged loss after each epoch: the objective the steps descend, per training rating,
/// (1/|R|) Σ_(u,i)∈R [e_ui² + reg_bu b_u² + reg_bi b_i² + reg_pu ‖p_u‖² + reg_qi ‖q_i‖²].
public final class SVD: RatingPredictor {
    public static let manifest = PluginManifest(
        name: "SVD",
        version: "1.0.0",
        description: "Funk's biased matrix factorisation trained by SGD (Surprise's SVD).",
        capabilities: [.ratingPrediction, .implicitRanking],
        parameters: [
            HyperParameter("n_factors", .int, default: .int(100), min: 1, max: 4096, doc: "number of latent factors"),
            HyperParameter("n_epochs", .int, default: .int(20), min: 0, max: 100_000, doc: "number of SGD passes over the training ratings"),
            HyperParameter("biased", .bool, default: .bool(true), doc: "use the global mean and user/item biases; false gives r̂ = q_iᵀp_u (PMF)"),
            HyperParameter("init_mean", .float, default: .float(0), min: -10, max: 10, doc: "mean of the normal distribution the factors start from"),
            HyperParameter("init_std_dev", .float, default: .float(0.1), min: 0, max: 10, doc: "standard deviation of the normal distribution the factors start from"),
            HyperParameter("lr_all", .float, default: .float(0.005), min: 0, max: 10, logScale: true, doc: "learning rate of every parameter not given its own"),
            HyperParameter("reg_all", .float, default: .float(0.02), min: 0, max: 1000, doc: "regularisation of every parameter not given its own"),
            HyperParameter("lr_bu", .float, default: .float(-1), min: -1, max: 10, doc: "learning rate of the user biases b_u; -1 = lr_all"),
            HyperParameter("lr_bi", .float, default: .float(-1), min: -1, max: 10, doc: "learning rate of the item biases b_i; -1 = lr_all"),
            HyperParameter("lr_pu", .float, default: .float(-1), min: -1, max: 10, doc: "learning rate of the user factors p_u; -1 = lr_all"),
            HyperParameter("lr_qi", .float, default: .float(-1), min: -1, max: 10, doc: "learning rate of the item factors q_i; -1 = lr_all"),
            HyperParameter("reg_bu", .float, default: .float(-1), min: -1, max: 1000, doc: "regularisation of the user biases b_u; -1 = reg_all"),
            HyperParameter("reg_bi", .float, default: .float(-1), min: -1, max: 1000, doc: "regularisation of the item biases b_i; -1 = reg_all"),
            HyperParameter("reg_pu", .float, default: .float(-1), min: -1, max: 1000, doc: "regularisation of the user factors p_u; -1 = reg_all"),
            HyperParameter("reg_qi", .float, default: .float(-1), min: -1, max: 1000, doc: "regularisation of the item factors q_i; -1 = reg_all"),
            HyperParameter("seed", .int, default: .int(-1), min: -1, max: Double(Int64.max), doc: "random seed of the initial factors; -1 uses the run's seed"),
        ])

    private let factorCount: Int
    private let epochCount: Int
    private let biased: Bool
    private let initMean: Double
    private let initStdDev: Double
    private let lrBu, lrBi, lrPu, lrQi: Float
    private let regBu, regBi, regPu, regQi: Float
    private let ownSeed: Int64

    private var data: RatingRows?
    /// Number of training ratings of each item (0: unknown to training, Surprise would not know it).
    private var itemCounts: [Int32] = []
    private var globalMean: Double = 0
    private var userBias: [Float] = []
    private var itemBias: [Float] = []
    private var userFactors = FactorMatrix(rows: 0, columns: 0)
    private var itemFactors = FactorMatrix(rows: 0, columns: 0)

    public init(parameters: PluginParameters) throws {
        factorCount = try parameters.int("n_factors")
        epochCount = try parameters.int("n_epochs")
        biased = try parameters.bool("biased")
        initMean = try parameters.double("init_mean")
        initStdDev = try parameters.double("init_std_dev")
        ownSeed = Int64(try parameters.int("seed"))
        lrBu = try parameters.float("lr_bu", inheriting: "lr_all")
        lrBi = try parameters.float("lr_bi", inheriting: "lr_all")
        lrPu = try parameters.float("lr_pu", inheriting: "lr_all")
        lrQi = try parameters.float("lr_qi", inheriting: "lr_all")
        regBu = try parameters.float("reg_bu", inheriting: "reg_all")
        regBi = try parameters.float("reg_bi", inheriting: "reg_all")
        regPu = try parameters.float("reg_pu", inheriting: "reg_all")
        regQi = try parameters.float("reg_qi", inheriting: "reg_all")
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        let data = RatingRows(train)
        self.data = data
        itemCounts = data.columnCounts()
        globalMean = data.mean
        var generator = SeededGenerator(seed: context.seed(overriddenBy: ownSeed))
        userFactors = FactorMatrix(rows: data.rowCount, columns: factorCount)
        itemFactors = FactorMatrix(rows: data.columnCount, columns: factorCount)
        userFactors.fillGaussian(mean: initMean, standardDeviation: initStdDev, using: &generator)
        itemFactors.fillGaussian(mean: initMean, standardDeviation: initStdDev, using: &generator)
        userBias = [Float](repeating: 0, count: data.rowCount)
        itemBias = [Float](repeating: 0, count: data.columnCount)
        let mean = biased ? Float(globalMean) : 0

        for epoch in stride(from: 1, through: epochCount, by: 1) {
            runEpoch(data, mean: mean)
            let loss = objective(data, mean: mean)
            context.log(String(format: "epoch %d/%d loss %.6f", epoch, epochCount, loss))
            try context.progress(Double(epoch) / Double(epochCount), "epoch \(epoch)/\(epochCount)")
        }
    }

    /// One SGD pass over all training ratings, user by user.
    private func runEpoch(_ data: RatingRows, mean: Float) {
        let width = userFactors.stride
        let users = userFactors.base, itemRows = itemFactors.base
        let biased = biased
        let (lrBu, lrBi, lrPu, lrQi) = (lrBu, lrBi, lrPu, lrQi)
        let (regBu, regBi, regPu, regQi) = (regBu, regBi, regPu, regQi)
        data.offsets.withUnsafeBufferPointer { indptr in
            data.columns.withUnsafeBufferPointer { items in
                data.ratings.withUnsafeBufferPointer { ratings in
                    userBias.withUnsafeMutableBufferPointer { bu in
                        itemBias.withUnsafeMutableBufferPointer { bi in
                            for u in 0..<data.rowCount {
                                let p = users + u * width
                                var bias = bu[u]
                                for k in indptr[u]..<indptr[u + 1] {
                                    let i = Int(items[k])
                                    let q = itemRows + i * width
                                    let error = Float(ratings[k]) - (mean + bias + bi[i] + DenseVector.dot(p, q, count: width))
                                    if biased {
                                        bias += lrBu * (error - regBu * bias)
                                        bi[i] += lrBi * (error - regBi * bi[i])
                                    }
                                    DenseVector.sgdPairStep(p: p, q: q, count: width, error: error,
                                                            lrP: lrPu, regP: regPu, lrQ: lrQi, regQ: regQi)
                                }
                                bu[u] = bias
                            }
                        }
                    }
                }
            }
        }
    }

    /// The plugin's trained state as the shared biased factor model (RecMath), which computes the
    /// estimate and the logged objective.
    private var model: BiasedFactorModel {
        BiasedFactorModel(globalMean: Float(globalMean), biased: biased, userBias: userBias, itemBias: itemBias,
                          userFactors: userFactors, itemFactors: itemFactors, itemCounts: itemCounts)
    }

    /// The regularised squared error over the training ratings, per rating (see the type's doc).
    private func objective(_ data: RatingRows, mean: Float) -> Double {
        model.objective(data, mean: mean, regBu: regBu, regBi: regBi, regPu: regPu, regQi: regQi)
    }

    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>) throws {
        guard let data else { throw PluginError("SVD: predict before fit") }
        let model = model
        RatingEstimates.predict(users: users, items: items, into: ratings) { model.estimate(data, user: $0, item: $1) }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard let data else { throw PluginError("SVD: score before fit") }
        let model = model
        RatingEstimates.score(users: users, itemCount: itemCount, into: scores) { model.estimate(data, user: $0, item: $1) }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: SVD.self)
}
