import RecKit
import RecMath

/// Item co-occurrence ("people who interacted with this also interacted with"): the example of an
/// out-of-tree Swift plugin, and a real personalised model.
///
/// fit:   S[i][j] = |U(i) ∩ U(j)| / sqrt(|U(i)| · |U(j)|)  (cosine; raw counts if normalize = false),
///        then keep each item's `neighbours` most similar items (ties by item index).
/// score: score(u, j) = Σ_{i ∈ I(u)} S[i][j].
///
/// The item × item matrix is built dense, so this example is meant for catalogues of up to about
/// 20,000 items; the ItemKNN plugin is the general-purpose version.
public final class CoOccurrence: Recommender {
    public static let manifest = PluginManifest(
        name: "CoOccurrence",
        version: "1.0.0",
        description: "Item co-occurrence with cosine normalisation, top-k neighbours per item (example out-of-tree plugin).",
        capabilities: [.implicitRanking],
        parameters: [
            HyperParameter("neighbours", .int, default: .int(100), min: 1, max: 100_000,
                           doc: "similar items kept per item"),
            HyperParameter("normalize", .bool, default: .bool(true),
                           doc: "cosine-normalise co-occurrence counts (false: raw counts)"),
        ])

    static let maximumItems = 20_000

    private let neighbourCount: Int
    private let normalize: Bool
    /// Per item: its kept neighbours and their similarities (CSR-like).
    private var neighbourStart: [Int] = []
    private var neighbours: [Int32] = []
    private var similarities: [Float] = []
    /// Each user's training items, copied because the host's matrix lives only during fit.
    private var userStart: [Int] = []
    private var userItems: [Int32] = []

    public init(parameters: PluginParameters) throws {
        neighbourCount = try parameters.int("neighbours")
        normalize = try parameters.bool("normalize")
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        let n = train.columnCount
        guard n <= Self.maximumItems else {
            throw PluginError("CoOccurrence builds a dense item × item matrix and handles at most \(Self.maximumItems) items; this data has \(n)")
        }
        var counts = [Float](repeating: 0, count: n * n)
        var popularity = [Float](repeating: 0, count: n)
        try counts.withUnsafeMutableBufferPointer { counts in
            for user in 0..<train.rowCount {
                let items = train.columns(of: user)
                for i in items {
                    popularity[Int(i)] += 1
                    let row = Int(i) * n
                    for j in items where j != i { counts[row + Int(j)] += 1 }
                }
                if user % 256 == 0 { try context.progress(Double(user) / Double(train.rowCount), "co-occurrence counts") }
            }
        }
        var start = [0], kept: [Int32] = [], values: [Float] = []
        let k = min(neighbourCount, max(n - 1, 0))
        try counts.withUnsafeMutableBufferPointer { counts in
            for i in 0..<n {
                let row = UnsafeMutableBufferPointer(rebasing: counts[(i * n)..<((i + 1) * n)])
                for j in 0..<n {
                    if row[j] == 0 {
                        row[j] = -.infinity  // never a neighbour
                    } else if normalize {
                        row[j] /= (popularity[i] * popularity[j]).squareRoot()
                    }
                }
                for j in TopK.select(UnsafeBufferPointer(row), k: k) {
                    kept.append(j)
                    values.append(row[Int(j)])
                }
                start.append(kept.count)
                if i % 256 == 0 { try context.progress(Double(i) / Double(n), "neighbours") }
            }
        }
        neighbourStart = start
        neighbours = kept
        similarities = values
        userStart = train.indptr.map(Int.init)
        userItems = Array(train.indices)
        context.log("kept \(kept.count) neighbour links for \(n) items")
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        for (row, user) in users.enumerated() {
            let base = row * itemCount
            for j in 0..<itemCount { scores[base + j] = 0 }
            for index in userStart[Int(user)]..<userStart[Int(user) + 1] {
                let i = Int(userItems[index])
                for link in neighbourStart[i]..<neighbourStart[i + 1] {
                    scores[base + Int(neighbours[link])] += similarities[link]
                }
            }
        }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: CoOccurrence.self)
}
