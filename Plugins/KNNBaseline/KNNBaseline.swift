import RecKit
import RecMath

/// KNNBaseline: the baseline plus the neighbours' deviations from their baselines. User-based (default):
///
///     r̂_ui = b_ui + Σ_{v ∈ N^k_i(u)} sim(u, v) · (r_vi − b_vi) / Σ_{v ∈ N^k_i(u)} sim(u, v)
///
/// item-based: r̂_ui = b_ui + Σ_{j ∈ N^k_u(i)} sim(i, j) · (r_uj − b_uj) / Σ sim(i, j), with
/// b_ui = μ + b_u + b_i learned by `BaselineEstimation` (ALS by default, as BaselineOnly). N^k keeps
/// the k most similar raters with positive similarity. With fewer than min_k neighbours the
/// neighbour term is 0 (r̂ = b_ui); a user or item without training ratings has bias 0 and no
/// neighbour term. Similarities: `RatingSimilarity` — msd by default, as Surprise's own default and
/// its benchmark (`KNNBaseline()`); Surprise recommends pearson_baseline.
///
/// Reference: Surprise 1.1 `KNNBaseline` (https://surprise.readthedocs.io/en/stable/knn_inspired.html);
/// Y. Koren, "Factor in the neighbors: scalable and accurate collaborative filtering", TKDD 2010, §2.2 eq. 3.
public final class KNNBaseline: RatingPredictor {
    public static let manifest = PluginManifest(
        name: "KNNBaseline",
        version: "1.0.0",
        description: "Baseline plus k-NN on baseline residuals (user- or item-based), as Surprise's KNNBaseline.",
        capabilities: [.ratingPrediction, .implicitRanking],
        parameters: NeighbourhoodOptions.hyperParameters + SimilarityOptions.hyperParameters
            + BaselineOptions.hyperParameters)

    private let neighbourhood: NeighbourhoodOptions
    private let similarity: SimilarityOptions
    private let baseline: BaselineOptions
    private var model: NeighbourhoodModel?
    private var baselines = Baselines(globalMean: 0, user: [], item: [])

    public init(parameters: PluginParameters) throws {
        neighbourhood = try NeighbourhoodOptions(parameters: parameters)
        similarity = try SimilarityOptions(parameters: parameters)
        baseline = try BaselineOptions(parameters: parameters)
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        let training = try NeighbourhoodTraining(train, similarity: similarity, baseline: baseline,
                                                 needsBaselines: true, context: context)
        guard let baselines = training.baselines else { throw PluginError("KNNBaseline: baselines missing") }
        self.baselines = baselines
        // Each neighbour contributes r − b for its own (user, item) pair.
        let userBased = training.userBased
        model = NeighbourhoodModel(training, k: neighbourhood.k) { neighbour, y, rating in
            rating - (userBased ? baselines.estimate(user: neighbour, item: y) : baselines.estimate(user: y, item: neighbour))
        }
    }

    private func estimate(_ found: NeighbourAggregate, minK: Int) -> Double {
        baselines.estimate(user: found.user, item: found.item) + (found.average(minK: minK) ?? 0)
    }

    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>) throws {
        guard let model else { throw PluginError("KNNBaseline: predict before fit") }
        let minK = neighbourhood.minK
        model.predict(users: users, items: items, into: ratings) { estimate($0, minK: minK) }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard let model else { throw PluginError("KNNBaseline: score before fit") }
        let minK = neighbourhood.minK
        model.score(users: users, itemCount: itemCount, into: scores) { estimate($0, minK: minK) }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: KNNBaseline.self)
}
