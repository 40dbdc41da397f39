import RecKit
import RecMath

/// BaselineOnly: predicts the baseline estimate
///
///     r̂_ui = b_ui = μ + b_u + b_i
///
/// with μ the training mean and the biases b_u, b_i learned by ALS (default: reg_i 10, reg_u 15,
/// 10 epochs) or SGD (reg 0.02, learning rate 0.005, 20 epochs) — see `BaselineEstimation` in RecMath.
/// A user or item without training ratings has bias 0.
///
/// Reference: Surprise 1.1 `BaselineOnly` (https://surprise.readthedocs.io/en/stable/basic_algorithms.html);
/// Y. Koren, "Factor in the neighbors: scalable and accurate collaborative filtering", TKDD 2010, §2.1.
public final class BaselineOnly: RatingPredictor {
    public static let manifest = PluginManifest(
        name: "BaselineOnly",
        version: "1.0.0",
        description: "Global mean plus user and item biases (ALS or SGD), as Surprise's BaselineOnly.",
        capabilities: [.ratingPrediction, .implicitRanking],
        parameters: BaselineOptions.hyperParameters)

    private let options: BaselineOptions
    private var baselines = Baselines(globalMean: 0, user: [], item: [])

    public init(parameters: PluginParameters) throws {
        options = try BaselineOptions(parameters: parameters)
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        let byUser = RatingRows(train)
        baselines = try BaselineEstimation.fit(byUser: byUser, byItem: byUser.transposed(), options: options,
                                               context: context)
    }

    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>) throws {
        for k in 0..<users.count {
            ratings[k] = Float(baselines.estimate(user: Int(users[k]), item: Int(items[k])))
        }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>) throws {
        for row in 0..<users.count {
            let userPart = baselines.globalMean + baselines.user[Int(users[row])]
            for item in 0..<itemCount {
                scores[row * itemCount + item] = Float(userPart + (item < baselines.item.count ? baselines.item[item] : 0))
            }
        }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: BaselineOnly.self)
}
