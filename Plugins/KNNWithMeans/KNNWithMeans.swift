import RecKit
import RecMath

/// KNNWithMeans: the neighbours' mean-centred ratings, added to the mean rating. User-based (default):
///
///     r̂_ui = μ_u + Σ_{v ∈ N^k_i(u)} sim(u, v) · (r_vi − μ_v) / Σ_{v ∈ N^k_i(u)} sim(u, v)
///
/// item-based: r̂_ui = μ_i + Σ_{j ∈ N^k_u(i)} sim(i, j) · (r_uj − μ_j) / Σ sim(i, j). μ_u (μ_i) is the
/// mean training rating of the user (item); N^k keeps the k most similar raters with positive
/// similarity. With fewer than min_k neighbours the neighbour term is 0 (r̂ = μ_u or μ_i); a user
/// or item without training ratings gets the global mean (Surprise's PredictionImpossible).
/// Similarities: `RatingSimilarity` (msd by default); aggregation: `NeighbourhoodModel` (RecMath).
/// The bsl_* parameters matter only for sim_name = pearson_baseline.
///
/// Reference: Surprise 1.1 `KNNWithMeans` (https://surprise.readthedocs.io/en/stable/knn_inspired.html).
public final class KNNWithMeans: RatingPredictor {
    public static let manifest = PluginManifest(
        name: "KNNWithMeans",
        version: "1.0.0",
        description: "k-NN on mean-centred ratings (user- or item-based), as Surprise's KNNWithMeans.",
        capabilities: [.ratingPrediction, .implicitRanking],
        parameters: NeighbourhoodOptions.hyperParameters + SimilarityOptions.hyperParameters
            + BaselineOptions.hyperParameters)

    private let neighbourhood: NeighbourhoodOptions
    private let similarity: SimilarityOptions
    private let baseline: BaselineOptions
    private var model: NeighbourhoodModel?
    private var means: [Double] = []
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
        let means = training.xMajor.rowMeans()
        self.means = means
        // Each neighbour x' contributes r − μ_x'.
        model = NeighbourhoodModel(training, k: neighbourhood.k) { neighbour, _, rating in rating - means[neighbour] }
    }

    private func estimate(_ found: NeighbourAggregate, minK: Int) -> Double {
        guard found.isKnown else { return globalMean }
        return means[found.x] + (found.average(minK: minK) ?? 0)
    }

    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>) throws {
        guard let model else { throw PluginError("KNNWithMeans: predict before fit") }
        let minK = neighbourhood.minK
        model.predict(users: users, items: items, into: ratings) { estimate($0, minK: minK) }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard let model else { throw PluginError("KNNWithMeans: score before fit") }
        let minK = neighbourhood.minK
        model.score(users: users, itemCount: itemCount, into: scores) { estimate($0, minK: minK) }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: KNNWithMeans.self)
}
