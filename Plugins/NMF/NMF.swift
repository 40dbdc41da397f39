import Foundation
import RecKit
import RecMath

/// NMF: non-negative matrix factorisation by multiplicative updates, as Surprise's `NMF`
/// (Surprise 1.1, `prediction_algorithms/matrix_factorization.pyx`; Luo et al., "An efficient
/// non-negative matrix-factorization-based approach to collaborative filtering", IEEE TII 2014;
/// Zhang et al. 2006; Lee & Seung 2001).
///
///     r̂_ui = q_iᵀ p_u                      (biased = true: r̂_ui = μ + b_u + b_i + q_iᵀ p_u)
///
/// Factors start uniform in [init_low, init_high) (users' rows, then items'), biases at 0. Each
/// epoch first visits every training rating user by user, with r̂_ui from the factors as they were
/// at the start of the epoch:
///
///     (biased only)  e_ui = r_ui − r̂_ui;  b_u ← b_u + lr_bu (e_ui − reg_bu b_u);  b_i ← b_i + lr_bi (e_ui − reg_bi b_i)
///     num_u += r_ui q_i    den_u += r̂_ui q_i    num_i += r_ui p_u    den_i += r̂_ui p_u
///
/// then every factor that is not exactly zero takes its multiplicative step (which keeps it ≥ 0):
///
///     p_uf ← p_uf · num_uf / (den_uf + |I_u| reg_pu p_uf)      q_if ← q_if · num_if / (den_if + |U_i| reg_qi q_if)
///
/// A user's p_u is updated right after that user's ratings: nothing later in the epoch reads it, so
/// this equals Surprise's update after the whole pass and needs only one row of user accumulators.
/// Prediction: with biased = false an unknown user or item gives the global mean (Surprise's
/// `PredictionImpossible` fallback); biased, an unknown user (item) contributes neither bias nor factors.
/// Logged loss after each epoch: the objective the updates descend, per training rating,
/// (1/|R|) Σ_(u,i)∈R [e_ui² + reg_pu ‖p_u‖² + reg_qi ‖q_i‖² (+ reg_bu b_u² + reg_bi b_i² when biased)].
public final class NMF: RatingPredictor {
    public static let manifest = PluginManifest(
        name: "NMF",
        version: "1.0.0",
        description: "Non-negative matrix factorisation by regularised multiplicative SGD updates (Surprise's NMF).",
        capabilities: [.ratingPrediction, .implicitRanking],
        parameters: [
            HyperParameter("n_factors", .int, default: .int(15), min: 1, max: 4096, doc: "number of latent factors"),
            HyperParameter("n_epochs", .int, default: .int(50), min: 0, max: 100_000, doc: "number of passes over the training ratings"),
            HyperParameter("biased", .bool, default: .bool(false), doc: "add the global mean and user/item biases (learnt by SGD) to q_iᵀp_u"),
            HyperParameter("reg_pu", .float, default: .float(0.06), min: 0, max: 1000, doc: "regularisation of the user factors p_u"),
            HyperParameter("reg_qi", .float, default: .float(0.06), min: 0, max: 1000, doc: "regularisation of the item factors q_i"),
            HyperParameter("reg_bu", .float, default: .float(0.02), min: 0, max: 1000, doc: "regularisation of the user biases b_u (biased only)"),
            HyperParameter("reg_bi", .float, default: .float(0.02), min: 0, max: 1000, doc: "regularisation of the item biases b_i (biased only)"),
            HyperParameter("lr_bu", .float, default: .float(0.005), min: 0, max: 10, logScale: true, doc: "learning rate of the user biases b_u (biased only)"),
            HyperParameter("lr_bi", .float, default: .float(0.005), min: 0, max: 10, logScale: true, doc: "learning rate of the item biases b_i (biased only)"),
            HyperParameter("init_low", .float, default: .float(0), min: 0, max: 1000, doc: "lower bound of the uniform initial factors (must be ≥ 0)"),
            HyperParameter("init_high", .float, default: .float(1), min: 0, max: 1000, doc: "upper bound of the uniform initial factors (≥ init_low)"),
            HyperParameter("seed", .int, default: .int(-1), min: -1, max: Double(Int64.max), doc: "random seed of the initial factors; -1 uses the run's seed"),
        ])

    private let factorCount: Int
    private let epochCount: Int
    private let biased: Bool
    private let regPu, regQi, regBu, regBi, lrBu, lrBi: Float
    private let initLow, initHigh: Double
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
        regPu = Float(try parameters.double("reg_pu"))
        regQi = Float(try parameters.double("reg_qi"))
        regBu = Float(try parameters.double("reg_bu"))
        regBi = Float(try parameters.double("reg_bi"))
        lrBu = Float(try parameters.double("lr_bu"))
        lrBi = Float(try parameters.double("lr_bi"))
        initLow = try parameters.double("init_low")
        initHigh = try parameters.double("init_high")
        ownSeed = Int64(try parameters.int("seed"))
        guard initHigh >= initLow else { throw PluginError("init_high (\(initHigh)) must be at least init_low (\(initLow))") }
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        let data = RatingRows(train)
        self.data = data
        itemCounts = data.columnCounts()
        globalMean = data.mean
        var generator = SeededGenerator(seed: context.seed(overriddenBy: ownSeed))
        userFactors = FactorMatrix(rows: data.rowCount, columns: factorCount)
        itemFactors = FactorMatrix(rows: data.columnCount, columns: factorCount)
        userFactors.fillUniform(low: initLow, high: initHigh, using: &generator)
        itemFactors.fillUniform(low: initLow, high: initHigh, using: &generator)
        userBias = [Float](repeating: 0, count: data.rowCount)
        itemBias = [Float](repeating: 0, count: data.columnCount)
        let mean = biased ? Float(globalMean) : 0
        let itemNumerators = FactorMatrix(rows: data.columnCount, columns: factorCount)
        let itemDenominators = FactorMatrix(rows: data.columnCount, columns: factorCount)

        for epoch in stride(from: 1, through: epochCount, by: 1) {
            runEpoch(data, mean: mean, itemNumerators: itemNumerators, itemDenominators: itemDenominators)
            let loss = objective(data, mean: mean)
            context.log(String(format: "epoch %d/%d loss %.6f", epoch, epochCount, loss))
            try context.progress(Double(epoch) / Double(epochCount), "epoch \(epoch)/\(epochCount)")
        }
    }

    /// factor ← factor · numerator / (denominator + weight · factor) where factor ≠ 0, eight lanes at a time.
    @inline(__always)
    private static func multiplicativeStep(_ factors: UnsafeMutablePointer<Float>, numerators: UnsafePointer<Float>,
                                           denominators: UnsafePointer<Float>, weight: Float, count: Int) {
        var f = 0
        while f < count {
            let old = DenseVector.load(factors, f)
            let new = old * DenseVector.load(numerators, f) / (DenseVector.load(denominators, f) + weight * old)
            DenseVector.store(old.replacing(with: new, where: old .!= 0), factors, f)
            f += DenseVector.lanes
        }
    }

    /// One pass: accumulate numerators and denominators (and step the biases), then the factor updates.
    private func runEpoch(_ data: RatingRows, mean: Float, itemNumerators: FactorMatrix, itemDenominators: FactorMatrix) {
        let width = userFactors.stride
        let users = userFactors.base, itemRows = itemFactors.base
        let itemNum = itemNumerators.base, itemDen = itemDenominators.base
        let biased = biased
        let (lrBu, lrBi, regBu, regBi, regPu, regQi) = (lrBu, lrBi, regBu, regBi, regPu, regQi)
        let scratch = FactorMatrix(rows: 2, columns: factorCount)
        let userNum = scratch.row(0), userDen = scratch.row(1)
        defer { withExtendedLifetime(scratch) {} }
        itemNumerators.setZero()
        itemDenominators.setZero()
        data.offsets.withUnsafeBufferPointer { indptr in
            data.columns.withUnsafeBufferPointer { items in
                data.ratings.withUnsafeBufferPointer { ratings in
                    userBias.withUnsafeMutableBufferPointer { bu in
                        itemBias.withUnsafeMutableBufferPointer { bi in
                            for u in 0..<data.rowCount where indptr[u] < indptr[u + 1] {
                                let p = users + u * width
                                DenseVector.zero(userNum, count: width)
                                DenseVector.zero(userDen, count: width)
                                for k in indptr[u]..<indptr[u + 1] {
                                    let i = Int(items[k])
                                    let q = itemRows + i * width
                                    let rating = Float(ratings[k])
                                    let estimate = mean + bu[u] + bi[i] + DenseVector.dot(p, q, count: width)
                                    if biased {
                                        let error = rating - estimate
                                        bu[u] += lrBu * (error - regBu * bu[u])
                                        bi[i] += lrBi * (error - regBi * bi[i])
                                    }
                                    let num = itemNum + i * width, den = itemDen + i * width
                                    var f = 0
                                    while f < width {
                                        let pf = DenseVector.load(p, f), qf = DenseVector.load(q, f)
                                        DenseVector.store(DenseVector.load(userNum, f) + rating * qf, userNum, f)
                                        DenseVector.store(DenseVector.load(userDen, f) + estimate * qf, userDen, f)
                                        DenseVector.store(DenseVector.load(num, f) + rating * pf, num, f)
                                        DenseVector.store(DenseVector.load(den, f) + estimate * pf, den, f)
                                        f += DenseVector.lanes
                                    }
                                }
                                Self.multiplicativeStep(p, numerators: userNum, denominators: userDen,
                                                        weight: Float(indptr[u + 1] - indptr[u]) * regPu, count: width)
                            }
                        }
                    }
                }
            }
        }
        for i in 0..<data.columnCount where itemCounts[i] > 0 {
            Self.multiplicativeStep(itemRows + i * width, numerators: itemNum + i * width, denominators: itemDen + i * width,
                                    weight: Float(itemCounts[i]) * regQi, count: width)
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
        model.objective(data, mean: mean, regBu: (biased ? regBu : 0), regBi: (biased ? regBi : 0), regPu: regPu, regQi: regQi)
    }

    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>) throws {
        guard let data else { throw PluginError("NMF: predict before fit") }
        let model = model
        RatingEstimates.predict(users: users, items: items, into: ratings) { model.estimate(data, user: $0, item: $1) }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard let data else { throw PluginError("NMF: score before fit") }
        let model = model
        RatingEstimates.score(users: users, itemCount: itemCount, into: scores) { model.estimate(data, user: $0, item: $1) }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: NMF.self)
}
