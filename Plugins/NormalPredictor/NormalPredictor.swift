import RecKit
import RecMath

/// NormalPredictor: a random rating drawn from the normal distribution fitted to the training
/// ratings, as Surprise's `NormalPredictor`
/// (https://surprise.readthedocs.io/en/stable/basic_algorithms.html):
///
///     r̂_ui ~ N(μ̂, σ̂²),   μ̂ = (1/|R|) Σ r_ui,   σ̂ = sqrt((1/|R|) Σ (r_ui − μ̂)²)
///
/// (maximum-likelihood estimates over the training ratings R, so σ̂ divides by |R|, not |R| − 1).
/// The floor of every rating table. Unlike Surprise, whose draws depend on how many were made
/// before, the draw for (u, i) comes from its own generator stream seeded by (seed, u, i): the same
/// pair always gets the same rating, whatever the order or blocking of the host's calls, and
/// `score` agrees with `predict`.
public final class NormalPredictor: RatingPredictor {
    public static let manifest = PluginManifest(
        name: "NormalPredictor",
        version: "1.0.0",
        description: "Predicts a random rating drawn from N(mean, std) of the training ratings (Surprise's NormalPredictor).",
        capabilities: [.ratingPrediction, .implicitRanking],
        parameters: [
            HyperParameter(
                "seed", .int, default: .int(-1), min: -1, max: Double(Int64.max),
                doc: "random seed of the draws; -1 uses the run's seed"),
        ])

    private let ownSeed: Int64
    private var seed: UInt64 = 0
    private var mean = 0.0
    private var standardDeviation = 0.0

    public init(parameters: PluginParameters) throws {
        ownSeed = Int64(try parameters.int("seed"))
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        guard train.nonZeroCount > 0 else { throw PluginError("NormalPredictor needs at least one training rating") }
        seed = context.seed(overriddenBy: ownSeed)
        let values = train.values
        // Two passes in Double: the mean first, then the squared deviations from it.
        var sum = 0.0
        for value in values { sum += Double(value) }
        let mu = sum / Double(values.count)
        var squares = 0.0
        for value in values {
            let deviation = Double(value) - mu
            squares += deviation * deviation
        }
        mean = mu
        standardDeviation = (squares / Double(values.count)).squareRoot()
        context.log("mean \(mean) std \(standardDeviation) over \(values.count) ratings")
    }

    /// The draw for one (user, item) pair, from the pair's own stream.
    @inline(__always)
    private func draw(user: Int32, item: Int32) -> Float {
        var generator = SeededGenerator(seed: seed, stream: UInt64(UInt32(bitPattern: user)) << 32 | UInt64(UInt32(bitPattern: item)))
        return Float(generator.nextGaussian(mean: mean, standardDeviation: standardDeviation))
    }

    public func predict(users: UnsafeBufferPointer<Int32>, items: UnsafeBufferPointer<Int32>,
                        into ratings: UnsafeMutableBufferPointer<Float>) throws {
        RatingEstimates.predict(users: users, items: items, into: ratings) { draw(user: Int32($0), item: Int32($1)) }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        RatingEstimates.score(users: users, itemCount: itemCount, into: scores) { draw(user: Int32($0), item: Int32($1)) }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: NormalPredictor.self)
}
