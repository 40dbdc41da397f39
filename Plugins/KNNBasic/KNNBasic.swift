import RecKit
import RecMath

/// KNNBasic: a weighted average of the neighbours' ratings. User-based (default):
///
///     r̂_ui = Σ_{v ∈ N^k_i(u)} sim(u, v) · r_vi / Σ_{v ∈ N^k_i(u)} sim(u, v)
///
/// item-based: r̂_ui = Σ_{j ∈ N^k_u(i)} sim(i, j) · r_uj / Σ sim(i, j). N^k_i(u) is the k users most
/// similar to u among those who rated i, keeping only positive similarities. With fewer than min_k
/// such neighbours the prediction is the global mean (Surprise raises PredictionImpossible and
/// falls back to `default_prediction()`); the same for a user or item without training ratings.
/// Similarities: `RatingSimilarity` (msd by default); aggregation: `NeighbourhoodModel` (RecMath).
/// The bsl_* parameters matter only for sim_name = pearson_baseline.
///
/// Reference: Surprise 1.1 `KNNBasic` (https://surprise.readthedocs.io/en/stable/knn_inspired.html).
public final class KNNBasic: RatingPredictor {
    public static let manifest = PluginManifest(
        name: "KNNBasic",
        version: "1.0.0",
        description: "k-NN weighted average of neighbours' ratings (user- or item-based), as Surprise's KNNBasic.",
        capabilities: [.ratingPrediction, .implicitRanking],
        parameters: NeighbourhoodOptions.hyperParameters + SimilarityOptions.hyperParameters
            + BaselineOptions.hyperParameters)

    private let neighbourhood: NeighbourhoodOptions
    private let similarity: SimilarityOptions
    private let baseline: BaselineOptions
    private var model: NeighbourhoodModel?
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
        // Each neighbour contributes its rating r.
        model = NeighbourhoodModel(training, k: neighbourhood.k) { _, _, rating in rating }
    }

    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>) throws {
        guard let model else { throw PluginError("KNNBasic: predict before fit") }
        let minK = neighbourhood.minK, mean = globalMean
        model.predict(users: users, items: items, into: ratings) { $0.average(minK: minK) ?? mean }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard let model else { throw PluginError("KNNBasic: score before fit") }
        let minK = neighbourhood.minK, mean = globalMean
        model.score(users: users, itemCount: itemCount, into: scores) { $0.average(minK: minK) ?? mean }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: KNNBasic.self)
}
