import Foundation
import RecKit
import RecMath

/// iALS, implicit-feedback alternating least squares (Hu, Koren & Volinsky, "Collaborative
/// Filtering for Implicit Feedback Datasets", ICDM 2008; as in benfred/implicit's ALS). Every
/// user × item pair has a preference p_ui (1 if observed, else 0) and a confidence
///
///     c_ui = 1 + α·r_ui                 (confidence = linear, the paper's eq. 2)
///     c_ui = 1 + α·log(1 + r_ui / ε)    (confidence = log, the paper's eq. 6)
///
/// for observed entries with value r (the rating, or 1 with `implicit`), 1 otherwise. Factors x_u,
/// y_i minimise
///
///     Σ_{u,i} c_ui (p_ui − x_uᵀy_i)² + λ (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²)
///
/// by alternating exact minimisation over all users, then all items — each a ridge regression
/// solved with the YᵀY + Yᵀ(C_u − I)Y trick (RecMath's `ImplicitLeastSquares`): by Cholesky
/// (exact, so the objective never rises) or by `cg_steps` conjugate-gradient steps warm-started from
/// the previous factors (implicit's default; each step also never raises it). Score = x_uᵀy_i.
///
/// Factors start N(0, init_std²), users' rows then items' (only the items' matter for the first
/// user solve, and for the warm starts of CG). After every iteration the objective above is logged
/// ("iteration t/T loss L") and progress reported. Users and items are split over threads; each
/// row's solve is independent, so results do not depend on the thread count.
public final class iALS: Recommender {
    public static let manifest = PluginManifest(
        name: "iALS",
        version: "1.0.0",
        description: "Implicit alternating least squares (Hu, Koren & Volinsky 2008) with confidence 1 + α·r, Cholesky or CG solves.",
        capabilities: [.implicitRanking],
        parameters: [
            HyperParameter("factors", .int, default: .int(64), min: 1, max: 4096,
                           doc: "number of latent factors k (ML-100K: 32, 64 and 128 within 0.002 NDCG@10; cost grows as k² per interaction + k³ per row)"),
            HyperParameter("regularization", .float, default: .float(50), min: 0, max: 1e6, logScale: true,
                           doc: "L2 penalty λ on every user and item factor (not scaled by counts); 40–50 best on ML-100K with α = 5–7 (sweep λ 1–150 × α 1–30); must be > 0 unless every system is positive definite"),
            HyperParameter("alpha", .float, default: .float(5), min: 0, max: 1e6,
                           doc: "confidence scale α: observed entries weigh 1 + α·r (or 1 + α·log(1 + r/ε)), unobserved ones 1; Hu et al. used 40 on raw view counts"),
            HyperParameter("confidence", .string, default: .string("linear"),
                           choices: [.string("linear"), .string("log")],
                           doc: "linear: c = 1 + α·r; log: c = 1 + α·log(1 + r/ε)"),
            HyperParameter("epsilon", .float, default: .float(1), min: 1e-12, max: 1e12, logScale: true,
                           doc: "ε of the log confidence (unused with linear)"),
            HyperParameter("implicit", .bool, default: .bool(true),
                           doc: "take r = 1 for every interaction; false uses the stored value (e.g. the rating) as r"),
            HyperParameter("iterations", .int, default: .int(15), min: 0, max: 10_000,
                           doc: "alternating passes (users, then items)"),
            HyperParameter("solver", .string, default: .string("cholesky"),
                           choices: [.string("cholesky"), .string("cg")],
                           doc: "cholesky: exact solve per row (LAPACK potrf/potrs); cg: cg_steps conjugate-gradient steps per row from the previous factors"),
            HyperParameter("cg_steps", .int, default: .int(3), min: 1, max: 1000,
                           doc: "conjugate-gradient steps per row and half-iteration (solver = cg); implicit uses 3"),
            HyperParameter("init_std", .float, default: .float(0.01), min: 0, max: 10,
                           doc: "standard deviation of the normal distribution the factors start from"),
            HyperParameter("seed", .int, default: .int(-1), min: -1, max: Double(Int64.max),
                           doc: "seed of the initial factors; -1 uses the run's seed"),
        ])

    private let factorCount: Int
    private let regularization: Float
    private let alpha: Double
    private let logConfidence: Bool
    private let epsilon: Double
    private let implicit: Bool
    private let iterationCount: Int
    private let solver: ImplicitLeastSquares.Solver
    private let initStd: Double
    private let ownSeed: Int64

    private var userFactors = FactorMatrix(rows: 0, columns: 0)
    private var itemFactors = FactorMatrix(rows: 0, columns: 0)
    private var fitted = false
    /// The factors of the best iteration so far, when the host runs early stopping.
    private var checkpoint: (users: FactorMatrix, items: FactorMatrix)?

    public init(parameters: PluginParameters) throws {
        factorCount = try parameters.int("factors")
        regularization = Float(try parameters.double("regularization"))
        alpha = try parameters.double("alpha")
        logConfidence = try parameters.string("confidence") == "log"
        epsilon = try parameters.double("epsilon")
        implicit = try parameters.bool("implicit")
        iterationCount = try parameters.int("iterations")
        solver = try parameters.string("solver") == "cg"
            ? .conjugateGradient(steps: try parameters.int("cg_steps")) : .cholesky
        initStd = try parameters.double("init_std")
        ownSeed = Int64(try parameters.int("seed"))
    }

    /// c = 1 + α·r or 1 + α·log(1 + r/ε).
    private func confidence(_ value: Float) throws -> Float {
        let r = implicit ? 1 : Double(value)
        guard r >= 0, r.isFinite else {
            throw PluginError("iALS: interaction value \(value) is negative or not finite; confidences need r ≥ 0 (or implicit = true)")
        }
        return Float(1 + alpha * (logConfidence ? log1p(r / epsilon) : r))
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        fitted = false
        checkpoint = nil
        let started = Date()
        // The confidence matrix (users × items) and its transpose (items × users).
        var rowIDs = [Int32](repeating: 0, count: train.nonZeroCount)
        for u in 0..<train.rowCount {
            for p in Int(train.indptr[u])..<Int(train.indptr[u + 1]) { rowIDs[p] = Int32(u) }
        }
        let byUser = try CSRMatrix(rowCount: train.rowCount, columnCount: train.columnCount, rows: rowIDs,
                                   columns: Array(train.indices), values: try train.values.map(confidence))
        let byItem = try byUser.withView { try DenseLinearAlgebra.transpose($0) }

        var generator = SeededGenerator(seed: context.seed(overriddenBy: ownSeed))
        userFactors = FactorMatrix(rows: train.rowCount, columns: factorCount)
        itemFactors = FactorMatrix(rows: train.columnCount, columns: factorCount)
        userFactors.fillGaussian(mean: 0, standardDeviation: initStd, using: &generator)
        itemFactors.fillGaussian(mean: 0, standardDeviation: initStd, using: &generator)

        for iteration in stride(from: 1, through: iterationCount, by: 1) {
            do {
                try byUser.withView {
                    try ImplicitLeastSquares.solveRows($0, fixed: itemFactors, target: userFactors, regularization: regularization,
                                                       solver: solver, threadCount: context.threadCount)
                }
                try byItem.withView {
                    try ImplicitLeastSquares.solveRows($0, fixed: userFactors, target: itemFactors, regularization: regularization,
                                                       solver: solver, threadCount: context.threadCount)
                }
            } catch let error as LinearAlgebraError {
                throw PluginError("iALS: iteration \(iteration): \(error.message)")
            }
            let loss = byUser.withView {
                ImplicitLeastSquares.loss($0, rowFactors: userFactors, columnFactors: itemFactors,
                                          regularization: regularization, threadCount: context.threadCount)
            }
            context.log(String(format: "iteration %d/%d loss %.9g", iteration, iterationCount, loss))
            try context.progress(Double(iteration) / Double(iterationCount), "iteration \(iteration)/\(iterationCount)")
            // Each iteration is an epoch for the host: it may score the model here (early stopping).
            // The loss reported is the weighted objective per training interaction.
            fitted = true
            if try context.endEpoch(iteration, loss: loss / Double(max(1, train.nonZeroCount))) == .stop { break }
        }
        fitted = true
        context.log(String(format: "iALS: %d users × %d items, %d factors, %d iterations in %.2fs", train.rowCount,
                           train.columnCount, factorCount, iterationCount, Date().timeIntervalSince(started)))
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard fitted else { throw PluginError("iALS: score before fit") }
        guard itemCount == itemFactors.rows else {
            throw PluginError("iALS: asked for \(itemCount) items, trained on \(itemFactors.rows)")
        }
        guard scores.count >= users.count * itemCount else { throw PluginError("iALS: score buffer too small") }
        guard !users.isEmpty, itemCount > 0 else { return }
        let stride = userFactors.stride
        // Gather the users' rows (padding included, it is zero) and multiply by Yᵀ in one sgemm.
        var gathered = [Float](repeating: 0, count: users.count * stride)
        for (row, user) in users.enumerated() {
            guard user >= 0, Int(user) < userFactors.rows else {
                throw PluginError("iALS: user \(user) is outside the \(userFactors.rows) trained users")
            }
            for c in 0..<stride { gathered[row * stride + c] = userFactors.row(Int(user))[c] }
        }
        gathered.withUnsafeBufferPointer { x in
            DenseLinearAlgebra.gemm(transposeB: true, m: users.count, n: itemCount, k: stride, a: x.baseAddress!, lda: stride,
                                    b: UnsafePointer(itemFactors.base), ldb: stride, c: scores.baseAddress!, ldc: itemCount)
        }
    }
}

/// Early stopping keeps the factors of the best iteration.
extension iALS: EpochCheckpointing {
    public func keepCheckpoint() { checkpoint = (userFactors.copy(), itemFactors.copy()) }

    public func restoreCheckpoint() {
        guard let checkpoint else { return }
        userFactors = checkpoint.users.copy()
        itemFactors = checkpoint.items.copy()
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: iALS.self)
}
