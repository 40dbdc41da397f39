import RecKit

/// Most-popular baseline: every user gets items ranked by how many training interactions they have.
///
/// The bar any personalised model must clear; on MovieLens 100K it is surprisingly hard to beat.
public final class Popularity: Recommender {
    public static let manifest = PluginManifest(
        name: "Popularity",
        version: "1.0.0",
        description: "Ranks items by their number of training interactions (same list for every user).",
        capabilities: [.implicitRanking],
        parameters: [
            HyperParameter(
                "weighting", .string, default: .string("count"),
                choices: [.string("count"), .string("value")],
                doc: "count: one per interaction; value: sum of interaction values (e.g. ratings)"),
        ])

    private let useValues: Bool
    private var itemScores: [Float] = []

    public init(parameters: PluginParameters) throws {
        useValues = try parameters.string("weighting") == "value"
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        var scores = [Float](repeating: 0, count: train.columnCount)
        for k in 0..<train.nonZeroCount {
            scores[Int(train.indices[k])] += useValues ? train.values[k] : 1
        }
        itemScores = scores
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        itemScores.withUnsafeBufferPointer { source in
            for row in 0..<users.count {
                let target = UnsafeMutableBufferPointer(rebasing: scores[(row * itemCount)..<((row + 1) * itemCount)])
                _ = target.update(fromContentsOf: source)
            }
        }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: Popularity.self)
}
