import RecKit
import RecMath

/// KNNWithZScore: the neighbours' z-scores, scaled back to the user's (item's) spread. User-based (default):
///
///     r̂_ui = μ_u + σ_u · Σ_{v ∈ N^k_i(u)} sim(u, v) · (r_vi − μ_v) / σ_v / Σ_{v ∈ N^k_i(u)} sim(u, v)
///
/// item-based: the same with items, r̂_ui = μ_i + σ_i · Σ_j sim(i, j) (r_uj − μ_j) / σ_j / Σ_j sim(i, j).
/// μ and σ are the mean and population standard deviation (numpy's std) of a user's (item's)
/// training ratings; a σ of 0 is replaced by the σ of all training ratings (and that, if also 0, by 1).
/// With fewer than min_k neighbours (positive similarity) the neighbour term is 0 (r̂ = μ_u or μ_i);
/// a user or item without training ratings gets the global mean (Surprise's PredictionImpossible).
/// Similarities: `RatingSimilarity` (msd by default); aggregation: `NeighbourhoodModel` (RecMath).
/// The bsl_* parameters matter only for sim_name = pearson_baseline.
///
/// Reference: Surprise 1.1 `KNNWithZScore` (https://surprise.readthedocs.io/en/stable/knn_inspired.html).
public final class KNNWithZScore: RatingPredictor {
    public static let manifest = PluginManifest(
        name: "KNNWithZScore",
        version: "1.0.0",
        description: "k-NN on z-score-normalised ratings (user- or item-based), as Surprise's KNNWithZScore.",
        capabilities: [.ratingPrediction, .implicitRanking],
        parameters: NeighbourhoodOptions.hyperParameters + SimilarityOptions.hyperParameters
            + BaselineOptions.hyperParameters)

    private let neighbourhood: NeighbourhoodOptions
    private let similarity: SimilarityOptions
    private let baseline: BaselineOptions
    private var model: NeighbourhoodModel?
    private var means: [Double] = []
    private var sigmas: [Double] = []
    private var globalMean = 0.0

    public init(parameters: PluginParameters) throws {
        neighbourhood = try NeighbourhoodOptions(parameters: parameters)
        similarity = try SimilarityOptions(parameters: parameters)
        baseline = try BaselineOptions(parameters: parameters)
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        let training = try NeighbourhoodTraining(train, similarity: similarity, baseline: baseline,
                                                 needsBaselines: false, context: context)
        globalMean = training.globalMean
        let overall = training.byUser.standardDeviation
        let means = training.xMajor.rowMeans()
        let sigmas = training.xMajor.rowStandardDeviations(means: means).map { $0 != 0 ? $0 : (overall != 0 ? overall : 1) }
        self.means = means
        self.sigmas = sigmas
        // Each neighbour x' contributes (r − μ_x') / σ_x'.
        model = NeighbourhoodModel(training, k: neighbourhood.k) { neighbour, _, rating in
            (rating - means[neighbour]) / sigmas[neighbour]
        }
    }

    private func estimate(_ found: NeighbourAggregate, minK: Int) -> Double {
        guard found.isKnown else { return globalMean }
        return means[found.x] + sigmas[found.x] * (found.average(minK: minK) ?? 0)
    }

    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>) throws {
        guard let model else { throw PluginError("KNNWithZScore: predict before fit") }
        let minK = neighbourhood.minK
        model.predict(users: users, items: items, into: ratings) { estimate($0, minK: minK) }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard let model else { throw PluginError("KNNWithZScore: score before fit") }
        let minK = neighbourhood.minK
        model.score(users: users, itemCount: itemCount, into: scores) { estimate($0, minK: minK) }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: KNNWithZScore.self)
}
