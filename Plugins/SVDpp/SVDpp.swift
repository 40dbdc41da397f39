import Foundation
import RecKit
import RecMath

/// SVD++: biased matrix factorisation with implicit feedback from which items a user rated, trained
/// by SGD, as Surprise's `SVDpp` (Surprise 1.1, `prediction_algorithms/matrix_factorization.pyx`;
/// Koren, "Factorization meets the neighborhood", KDD 2008, §4).
///
///     r̂_ui = μ + b_u + b_i + q_iᵀ (p_u + z_u),     z_u = |I_u|^(-1/2) Σ_{j ∈ I_u} y_j
///
/// Biases start at 0; p, q and y at N(init_mean, init_std_dev²) (users' p, then items' q, then y).
/// Each epoch visits every training rating user by user and takes Surprise's step, every right-hand
/// side from the old values (z_u recomputed from the current y before each rating):
///
///     e_ui = r_ui − r̂_ui
///     b_u ← b_u + lr_bu (e_ui − reg_bu b_u)        b_i ← b_i + lr_bi (e_ui − reg_bi b_i)
///     p_u ← p_u + lr_pu (e_ui q_i − reg_pu p_u)    q_i ← q_i + lr_qi (e_ui (p_u + z_u) − reg_qi q_i)
///     y_j ← y_j + lr_yj (e_ui |I_u|^(-1/2) q_i − reg_yj y_j)    for every j ∈ I_u
///
/// Same mathematics, less work: Surprise recomputes z_u and touches every y_j of I_u on each rating
/// (O(|I_u|² f) per user). The y step is the same affine map for every j ∈ I_u, y_j ← c y_j + d
/// with c = 1 − lr_yj reg_yj and d = lr_yj e_ui |I_u|^(-1/2) q_i, so after the k-th rating of the user
/// every y_j equals c^k y_j⁰ + D_k (D_k = c D_(k−1) + d) and z_u follows z ← c z + lr_yj e_ui q_i.
/// This keeps z_u and D in O(f) per rating and writes y_j = c^|I_u| y_j + D once per user.
///
/// Prediction: an unknown user (item) contributes neither bias nor factors (r̂ = μ + b_i, μ + b_u).
/// Logged loss after each epoch: the objective the steps descend, per training rating,
/// (1/|R|) Σ_(u,i)∈R [e_ui² + reg_bu b_u² + reg_bi b_i² + reg_pu ‖p_u‖² + reg_qi ‖q_i‖² + reg_yj Σ_{j∈I_u} ‖y_j‖²].
public final class SVDpp: RatingPredictor {
    public static let manifest = PluginManifest(
        name: "SVDpp",
        version: "1.0.0",
        description: "SVD++: biased matrix factorisation plus implicit feedback from the rated items, trained by SGD (Surprise's SVDpp).",
        capabilities: [.ratingPrediction, .implicitRanking],
        parameters: [
            HyperParameter("n_factors", .int, default: .int(20), min: 1, max: 4096, doc: "number of latent factors"),
            HyperParameter("n_epochs", .int, default: .int(20), min: 0, max: 100_000, doc: "number of SGD passes over the training ratings"),
            HyperParameter("init_mean", .float, default: .float(0), min: -10, max: 10, doc: "mean of the normal distribution p, q and y start from"),
            HyperParameter("init_std_dev", .float, default: .float(0.1), min: 0, max: 10, doc: "standard deviation of the normal distribution p, q and y start from"),
            HyperParameter("lr_all", .float, default: .float(0.007), min: 0, max: 10, logScale: true, doc: "learning rate of every parameter not given its own"),
            HyperParameter("reg_all", .float, default: .float(0.02), min: 0, max: 1000, doc: "regularisation of every parameter not given its own"),
            HyperParameter("lr_bu", .float, default: .float(-1), min: -1, max: 10, doc: "learning rate of the user biases b_u; -1 = lr_all"),
            HyperParameter("lr_bi", .float, default: .float(-1), min: -1, max: 10, doc: "learning rate of the item biases b_i; -1 = lr_all"),
            HyperParameter("lr_pu", .float, default: .float(-1), min: -1, max: 10, doc: "learning rate of the user factors p_u; -1 = lr_all"),
            HyperParameter("lr_qi", .float, default: .float(-1), min: -1, max: 10, doc: "learning rate of the item factors q_i; -1 = lr_all"),
            HyperParameter("lr_yj", .float, default: .float(-1), min: -1, max: 10, doc: "learning rate of the implicit item factors y_j; -1 = lr_all"),
            HyperParameter("reg_bu", .float, default: .float(-1), min: -1, max: 1000, doc: "regularisation of the user biases b_u; -1 = reg_all"),
            HyperParameter("reg_bi", .float, default: .float(-1), min: -1, max: 1000, doc: "regularisation of the item biases b_i; -1 = reg_all"),
            HyperParameter("reg_pu", .float, default: .float(-1), min: -1, max: 1000, doc: "regularisation of the user factors p_u; -1 = reg_all"),
            HyperParameter("reg_qi", .float, default: .float(-1), min: -1, max: 1000, doc: "regularisation of the item factors q_i; -1 = reg_all"),
            HyperParameter("reg_yj", .float, default: .float(-1), min: -1, max: 1000, doc: "regularisation of the implicit item factors y_j; -1 = reg_all"),
            HyperParameter("seed", .int, default: .int(-1), min: -1, max: Double(Int64.max), doc: "random seed of the initial factors; -1 uses the run's seed"),
        ])

    private let factorCount: Int
    private let epochCount: Int
    private let initMean: Double
    private let initStdDev: Double
    private let lrBu, lrBi, lrPu, lrQi, lrYj: Float
    private let regBu, regBi, regPu, regQi, regYj: Float
    private let ownSeed: Int64

    private var data: RatingRows?
    /// Number of training ratings of each item (0: unknown to training, Surprise would not know it).
    private var itemCounts: [Int32] = []
    private var globalMean: Double = 0
    private var userBias: [Float] = []
    private var itemBias: [Float] = []
    private var userFactors = FactorMatrix(rows: 0, columns: 0)
    private var itemFactors = FactorMatrix(rows: 0, columns: 0)
    private var implicitFactors = FactorMatrix(rows: 0, columns: 0)
    /// After fit: p_u + z_u for every user, what predictions multiply q_i by.
    private var userVectors = FactorMatrix(rows: 0, columns: 0)

    public init(parameters: PluginParameters) throws {
        factorCount = try parameters.int("n_factors")
        epochCount = try parameters.int("n_epochs")
        initMean = try parameters.double("init_mean")
        initStdDev = try parameters.double("init_std_dev")
        ownSeed = Int64(try parameters.int("seed"))
        lrBu = try parameters.float("lr_bu", inheriting: "lr_all")
        lrBi = try parameters.float("lr_bi", inheriting: "lr_all")
        lrPu = try parameters.float("lr_pu", inheriting: "lr_all")
        lrQi = try parameters.float("lr_qi", inheriting: "lr_all")
        lrYj = try parameters.float("lr_yj", inheriting: "lr_all")
        regBu = try parameters.float("reg_bu", inheriting: "reg_all")
        regBi = try parameters.float("reg_bi", inheriting: "reg_all")
        regPu = try parameters.float("reg_pu", inheriting: "reg_all")
        regQi = try parameters.float("reg_qi", inheriting: "reg_all")
        regYj = try parameters.float("reg_yj", inheriting: "reg_all")
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        let data = RatingRows(train)
        self.data = data
        itemCounts = data.columnCounts()
        globalMean = data.mean
        var generator = SeededGenerator(seed: context.seed(overriddenBy: ownSeed))
        userFactors = FactorMatrix(rows: data.rowCount, columns: factorCount)
        itemFactors = FactorMatrix(rows: data.columnCount, columns: factorCount)
        implicitFactors = FactorMatrix(rows: data.columnCount, columns: factorCount)
        userFactors.fillGaussian(mean: initMean, standardDeviation: initStdDev, using: &generator)
        itemFactors.fillGaussian(mean: initMean, standardDeviation: initStdDev, using: &generator)
        implicitFactors.fillGaussian(mean: initMean, standardDeviation: initStdDev, using: &generator)
        userBias = [Float](repeating: 0, count: data.rowCount)
        itemBias = [Float](repeating: 0, count: data.columnCount)

        for epoch in stride(from: 1, through: epochCount, by: 1) {
            runEpoch(data)
            let loss = objective(data)
            context.log(String(format: "epoch %d/%d loss %.6f", epoch, epochCount, loss))
            try context.progress(Double(epoch) / Double(epochCount), "epoch \(epoch)/\(epochCount)")
        }
        userVectors = FactorMatrix(rows: data.rowCount, columns: factorCount)
        for u in 0..<data.rowCount where data.count(ofRow: u) > 0 {
            implicitSum(data, user: u, into: userVectors.row(u))
            DenseVector.scaleAdd(userVectors.row(u), scale: 1, userFactors.row(u), times: 1, count: userVectors.stride)
        }
    }

    /// target ← z_u = |I_u|^(-1/2) Σ_{j ∈ I_u} y_j.
    private func implicitSum(_ data: RatingRows, user u: Int, into target: UnsafeMutablePointer<Float>) {
        let width = implicitFactors.stride
        DenseVector.zero(target, count: width)
        let (start, end) = (data.offsets[u], data.offsets[u + 1])
        data.columns.withUnsafeBufferPointer { items in
            for k in start..<end {
                DenseVector.scaleAdd(target, scale: 1, implicitFactors.row(Int(items[k])), times: 1, count: width)
            }
        }
        DenseVector.scale(target, by: 1 / Float(end - start).squareRoot(), count: width)
    }

    /// One SGD pass over all training ratings, user by user (see the type's doc for the y bookkeeping).
    private func runEpoch(_ data: RatingRows) {
        let width = userFactors.stride
        let users = userFactors.base, itemRows = itemFactors.base, implicitRows = implicitFactors.base
        let mean = Float(globalMean)
        let (lrBu, lrBi, lrPu, lrQi, lrYj) = (lrBu, lrBi, lrPu, lrQi, lrYj)
        let (regBu, regBi, regPu, regQi) = (regBu, regBi, regPu, regQi)
        let keepP = 1 - lrPu * regPu, keepQ = 1 - lrQi * regQi, keepY = 1 - lrYj * regYj
        let scratch = FactorMatrix(rows: 2, columns: factorCount)
        let z = scratch.row(0), shift = scratch.row(1)
        defer { withExtendedLifetime(scratch) {} }
        data.offsets.withUnsafeBufferPointer { indptr in
            data.columns.withUnsafeBufferPointer { items in
                data.ratings.withUnsafeBufferPointer { ratings in
                    userBias.withUnsafeMutableBufferPointer { bu in
                        itemBias.withUnsafeMutableBufferPointer { bi in
                            for u in 0..<data.rowCount where indptr[u] < indptr[u + 1] {
                                let p = users + u * width
                                let inverseRoot = 1 / Float(indptr[u + 1] - indptr[u]).squareRoot()
                                implicitSum(data, user: u, into: z)
                                DenseVector.zero(shift, count: width)
                                var decay: Float = 1
                                var bias = bu[u]
                                for k in indptr[u]..<indptr[u + 1] {
                                    let i = Int(items[k])
                                    let q = itemRows + i * width
                                    let error = Float(ratings[k]) - (mean + bias + bi[i] + DenseVector.dot(q, sumOf: p, z, count: width))
                                    bias += lrBu * (error - regBu * bias)
                                    bi[i] += lrBi * (error - regBi * bi[i])
                                    // p, q, z and D from the old p, q, z, D, eight lanes at a time.
                                    let stepP = lrPu * error, stepQ = lrQi * error
                                    let stepZ = lrYj * error, stepD = stepZ * inverseRoot
                                    var f = 0
                                    while f < width {
                                        let oldP = DenseVector.load(p, f), oldQ = DenseVector.load(q, f)
                                        let oldZ = DenseVector.load(z, f)
                                        DenseVector.store(keepP * oldP + stepP * oldQ, p, f)
                                        DenseVector.store(keepQ * oldQ + stepQ * (oldP + oldZ), q, f)
                                        DenseVector.store(keepY * oldZ + stepZ * oldQ, z, f)
                                        DenseVector.store(keepY * DenseVector.load(shift, f) + stepD * oldQ, shift, f)
                                        f += DenseVector.lanes
                                    }
                                    decay *= keepY
                                }
                                bu[u] = bias
                                for k in indptr[u]..<indptr[u + 1] {
                                    DenseVector.scaleAdd(implicitRows + Int(items[k]) * width, scale: decay, shift, times: 1, count: width)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The regularised squared error over the training ratings, per rating (see the type's doc).
    private func objective(_ data: RatingRows) -> Double {
        let width = userFactors.stride
        let users = userFactors.base, itemRows = itemFactors.base, implicitRows = implicitFactors.base
        let mean = Float(globalMean)
        let scratch = FactorMatrix(rows: 1, columns: factorCount)
        let z = scratch.row(0)
        defer { withExtendedLifetime(scratch) {} }
        var implicitNorms = [Float](repeating: 0, count: data.columnCount)
        for j in 0..<data.columnCount { implicitNorms[j] = DenseVector.sumOfSquares(implicitRows + j * width, count: width) }
        var squared = 0.0, penalty = 0.0
        data.offsets.withUnsafeBufferPointer { indptr in
            data.columns.withUnsafeBufferPointer { items in
                data.ratings.withUnsafeBufferPointer { ratings in
                    userBias.withUnsafeBufferPointer { bu in
                        itemBias.withUnsafeBufferPointer { bi in
                            for u in 0..<data.rowCount where indptr[u] < indptr[u + 1] {
                                let p = users + u * width
                                implicitSum(data, user: u, into: z)
                                var userSquared: Float = 0, implicitNorm: Float = 0
                                for k in indptr[u]..<indptr[u + 1] {
                                    let i = Int(items[k])
                                    let error = Float(ratings[k]) - (mean + bu[u] + bi[i] + DenseVector.dot(itemRows + i * width, sumOf: p, z, count: width))
                                    userSquared += error * error
                                    implicitNorm += implicitNorms[i]
                                }
                                squared += Double(userSquared)
                                penalty += Double(indptr[u + 1] - indptr[u])
                                    * Double(regBu * bu[u] * bu[u] + regPu * DenseVector.sumOfSquares(p, count: width) + regYj * implicitNorm)
                            }
                            for i in 0..<data.columnCount where itemCounts[i] > 0 {
                                penalty += Double(itemCounts[i])
                                    * Double(regBi * bi[i] * bi[i] + regQi * DenseVector.sumOfSquares(itemRows + i * width, count: width))
                            }
                        }
                    }
                }
            }
        }
        return (squared + penalty) / Double(max(1, data.nonZeroCount))
    }

    /// Surprise's `SVDpp.estimate`: the biased factor model with p_u + z_u (precomputed after fit)
    /// as the user vectors.
    private var model: BiasedFactorModel {
        BiasedFactorModel(globalMean: Float(globalMean), biased: true, userBias: userBias, itemBias: itemBias,
                          userFactors: userVectors, itemFactors: itemFactors, itemCounts: itemCounts)
    }

    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>) throws {
        guard let data else { throw PluginError("SVDpp: predict before fit") }
        let model = model
        RatingEstimates.predict(users: users, items: items, into: ratings) { model.estimate(data, user: $0, item: $1) }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard let data else { throw PluginError("SVDpp: score before fit") }
        let model = model
        RatingEstimates.score(users: users, itemCount: itemCount, into: scores) { model.estimate(data, user: $0, item: $1) }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: SVDpp.self)
}
