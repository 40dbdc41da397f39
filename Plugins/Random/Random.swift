import RecKit
import RecMath

/// Random baseline: uniform scores, reproducible from the seed.
///
/// The floor of every comparison; a model near it has learned nothing. A user's scores depend only
/// on (seed, user), so they do not change with the host's block size or scoring order.
public final class RandomRecommender: Recommender {
    public static let manifest = PluginManifest(
        name: "Random",
        version: "1.0.0",
        description: "Scores every item uniformly at random; reproducible from the seed.",
        capabilities: [.implicitRanking],
        parameters: [
            HyperParameter(
                "seed", .int, default: .int(-1), min: -1, max: Double(Int64.max),
                doc: "random seed; -1 uses the run's seed"),
        ])

    private let ownSeed: Int64
    private var seed: UInt64 = 0

    public init(parameters: PluginParameters) throws {
        ownSeed = Int64(try parameters.int("seed"))
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        seed = context.seed(overriddenBy: ownSeed)
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        for (row, user) in users.enumerated() {
            var generator = SeededGenerator(seed: seed, stream: UInt64(user))
            for item in 0..<itemCount { scores[row * itemCount + item] = generator.nextFloat() }
        }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: RandomRecommender.self)
}
