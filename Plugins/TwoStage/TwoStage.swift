import Foundation
import RecKit
import RecMath

/// Two-stage retrieval with a learned re-ranker.
///
/// Stage 1: every component (rb_components_v1: e.g. iALS, LightGCN, GenrePopularity) proposes its
/// top `candidates` items the user has not seen; the union is the user's candidate set.
/// Stage 2: an XGBoost ranker (`rank:ndcg` or `rank:pairwise`, C API) orders the candidates by
/// features (FeatureContext: component scores and ranks, item popularity and mean value, user
/// activity and mean, genre overlap with the user's history, item recency, release year). Items
/// outside the candidate set score −∞ (never recommended).
///
/// Training the re-ranker never touches anything the host did not hand to `fit`: the plugin holds
/// out the latest `holdout_fraction` of its own training interactions by time (the host's times
/// through rb_interaction_times_v1; without times, a seeded random `holdout_fraction` of them, and
/// a warning), fits the components on the rest, and learns to rank the held-out items of each
/// user among that user's candidates. Then (with `refit`) it refits the components on all of its
/// training data and recomputes the features from it for scoring. `training_rows_file` writes the
/// re-ranker's training rows (user, item, label) for inspection and for the leakage test.
public final class TwoStage: ComposingRecommender, ItemFeatureConsumer, InteractionTimesConsumer {
    public static let manifest = PluginManifest(
        name: "TwoStage",
        version: "1.0.0",
        description: "Candidates from component models (top-N each, merged) re-ranked by XGBoost learning-to-rank on engineered features, trained on a temporal hold-out of its own training data.",
        capabilities: [.implicitRanking],
        parameters: [
            HyperParameter("candidates", .int, default: .int(50), min: 1, max: 100_000,
                           doc: "top-N unseen items each component proposes per user; the union is re-ranked"),
            HyperParameter("holdout_fraction", .float, default: .float(0.1), min: 0.001, max: 0.9,
                           doc: "the latest fraction of the training interactions (by time) the re-ranker learns to rank; the components are fitted on the rest first"),
            HyperParameter("objective", .string, default: .string("rank:ndcg"),
                           choices: [.string("rank:ndcg"), .string("rank:pairwise")],
                           doc: "XGBoost's learning-to-rank objective (one query per user)"),
            HyperParameter("rounds", .int, default: .int(100), min: 1, max: 10_000, doc: "boosting rounds"),
            HyperParameter("learning_rate", .float, default: .float(0.1), min: 1e-4, max: 1, logScale: true, doc: "XGBoost eta"),
            HyperParameter("max_depth", .int, default: .int(6), min: 1, max: 20, doc: "maximum tree depth"),
            HyperParameter("recent_days", .float, default: .float(30), min: 0.001, max: 1e6,
                           doc: "item_recent counts an item's interactions in this many days before the latest training time"),
            HyperParameter("refit", .bool, default: .bool(true),
                           doc: "refit the components on all training data (hold-out included) before scoring; false keeps the hold-out fit"),
            HyperParameter("drop_features", .string, default: .string(""),
                           doc: "comma-separated features the re-ranker must not use (ablations), by name: score:<component>, rank:<component>, item_count, item_mean, user_count, user_mean, genre_overlap, item_recent, item_age_days, item_year"),
            HyperParameter("training_rows_file", .string, default: .string(""),
                           doc: "diagnostics: write the re-ranker's training rows (user, item, label; dense ids) to this TSV file; empty: none"),
        ])

    private let candidateCount: Int
    private let holdoutFraction: Double
    private let objective: String
    private let rounds: Int
    private let learningRate: Double
    private let maxDepth: Int
    private let recentDays: Double
    private let refit: Bool
    private let rowsFile: String
    private let dropped: [String]

    private var components: [Component] = []
    private var itemGenres: [[Int32]] = []
    private var itemYear: [Float] = []
    private var times: [Int64] = []
    private var booster: Booster?
    /// What scoring uses: the interactions the components were last fitted on (features) and all
    /// of the training data (the seen items candidates exclude).
    private var servingFeatures: FeatureContext?
    private var seen: Interactions?

    public init(parameters: PluginParameters) throws {
        candidateCount = try parameters.int("candidates")
        holdoutFraction = try parameters.double("holdout_fraction")
        objective = try parameters.string("objective")
        rounds = try parameters.int("rounds")
        learningRate = try parameters.double("learning_rate")
        maxDepth = try parameters.int("max_depth")
        recentDays = try parameters.double("recent_days")
        refit = try parameters.bool("refit")
        rowsFile = try parameters.string("training_rows_file")
        dropped = try parameters.string("drop_features").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public func setComponents(_ components: [Component]) throws {
        guard !components.isEmpty else { throw PluginError("TwoStage needs at least one component to draw candidates from") }
        let names = FeatureContext.names(components: components.map(\.name))
        if let unknown = dropped.first(where: { !names.contains($0) }) {
            throw PluginError("TwoStage: drop_features names \"\(unknown)\", which is not a feature; the features are \(names.joined(separator: ", "))")
        }
        self.components = components
    }

    public func setItemFeatures(_ features: CSRView, names: [String]) throws {
        var genreIndex = [Int32](repeating: -1, count: names.count)
        var next: Int32 = 0
        var yearOf = [Float](repeating: .nan, count: names.count)
        for (column, name) in names.enumerated() {
            if name.hasPrefix("genre:") {
                genreIndex[column] = next
                next += 1
            } else if name.hasPrefix("year:"), let year = Float(name.dropFirst("year:".count)) {
                yearOf[column] = year
            }
        }
        itemGenres = (0..<features.rowCount).map { item in features.columns(of: item).compactMap { genreIndex[Int($0)] >= 0 ? genreIndex[Int($0)] : nil } }
        itemYear = (0..<features.rowCount).map { item in features.columns(of: item).lazy.map { yearOf[Int($0)] }.first { !$0.isNaN } ?? .nan }
    }

    public func setInteractionTimes(_ times: UnsafeBufferPointer<Int64>) throws { self.times = Array(times) }

    public func fit(_ train: CSRView, context: FitContext) throws {
        guard !components.isEmpty else { throw PluginError("TwoStage was given no components: name them in the experiment file (components = [\"…\"])") }
        if itemGenres.count != train.columnCount {
            itemGenres = [[Int32]](repeating: [], count: train.columnCount)
            itemYear = [Float](repeating: .nan, count: train.columnCount)
        }
        let hasTimes = times.count == train.nonZeroCount && train.nonZeroCount > 0
        let all = Interactions(train, times: hasTimes ? times : [])
        let holdout = holdoutMask(all, seed: context.seed, context: context)
        let fitPart = all.subset { !holdout[$0] }
        try context.progress(0, "fitting components on the re-ranker's training part")
        try fitComponents(fitPart, seed: context.seed)
        let trainingFeatures = FeatureContext(fitPart, componentCount: components.count, itemGenres: itemGenres, itemYear: itemYear,
                                              recentDays: recentDays, dropped: droppedColumns)

        // The held-out items of each user are the positives the re-ranker learns to put first.
        var positives: [Int: Set<Int32>] = [:]
        for user in 0..<all.rowCount {
            for k in Int(all.indptr[user])..<Int(all.indptr[user + 1]) where holdout[k] { positives[user, default: []].insert(all.indices[k]) }
        }
        let users = positives.keys.sorted().map(Int32.init)
        var rows: [Float] = [], labels: [Float] = [], groups: [UInt32] = [], written: [(Int32, Int32, Float)] = []
        let width = trainingFeatures.width
        try forEachCandidateBlock(users: users, seen: fitPart, features: trainingFeatures) { user, items, features in
            let wanted = positives[Int(user)]!
            let itemLabels = items.map { wanted.contains($0) ? Float(1) : 0 }
            guard itemLabels.contains(1) else { return }  // nothing to rank first: no signal
            rows += features
            labels += itemLabels
            groups.append(UInt32(items.count))
            if !rowsFile.isEmpty { written += zip(items, itemLabels).map { (user, $0, $1) } }
        }
        guard !groups.isEmpty else {
            throw PluginError("TwoStage: no held-out interaction is among the components' candidates, so the re-ranker has nothing to learn; raise candidates or holdout_fraction")
        }
        context.log(String(format: "re-ranker trains on %d users, %d rows, %d positives (of %d held-out interactions; %@)",
                           groups.count, labels.count, Int(labels.reduce(0, +)), holdout.filter { $0 }.count,
                           hasTimes ? "the latest by time" : "a random hold-out: the host gave no times"))
        if !rowsFile.isEmpty { try writeRows(written) }
        try context.progress(0.5, "training the re-ranker")
        booster = try Booster(rows: rows, featureCount: width, labels: labels, groups: groups,
                              settings: .init(objective: objective, rounds: rounds, learningRate: learningRate, maxDepth: maxDepth,
                                              seed: context.seed, threads: context.threadCount))
        // Which features the ranker leans on, largest share of the total gain first (--verbose shows it).
        let gains = try booster!.totalGain()
        let names = FeatureContext.names(components: components.map(\.name)), sum = max(gains.values.reduce(0, +), .leastNormalMagnitude)
        context.log("feature shares of the re-ranker's total gain: " + gains.sorted { $0.value > $1.value }
            .map { String(format: "%@ %.3f", names[$0.key], $0.value / sum) }.joined(separator: ", "))
        if refit {
            try context.progress(0.8, "refitting components on all training data")
            try fitComponents(all, seed: context.seed)
            servingFeatures = FeatureContext(all, componentCount: components.count, itemGenres: itemGenres, itemYear: itemYear,
                                             recentDays: recentDays, dropped: droppedColumns)
        } else {
            servingFeatures = trainingFeatures
        }
        seen = all
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard let booster, let servingFeatures, let seen else { throw PluginError("TwoStage: score before fit") }
        for index in 0..<(users.count * itemCount) { scores[index] = -.infinity }
        // One prediction call for the whole block: (row, item) of each feature row, then the rows.
        var targets: [Int] = [], rows: [Float] = []
        var row = 0
        try forEachCandidateBlock(users: Array(users), seen: seen, features: servingFeatures) { _, items, features in
            targets += items.map { row * itemCount + Int($0) }
            rows += features
            row += 1
        }
        let predictions = try booster.predict(rows, rowCount: targets.count, featureCount: servingFeatures.width)
        for (target, value) in zip(targets, predictions) { scores[target] = value }
    }

    /// The training entries the re-ranker learns from: the latest fraction by time (ties by
    /// position), or without times a seeded random fraction.
    private func holdoutMask(_ data: Interactions, seed: UInt64, context: FitContext) -> [Bool] {
        let count = data.indices.count
        var mask = [Bool](repeating: false, count: count)
        let wanted = max(1, min(count - 1, Int((Double(count) * holdoutFraction).rounded())))
        if data.times.isEmpty {
            context.log("the host gave no interaction times; holding out a random \(holdoutFraction) of the training data", level: .warning)
            var generator = SeededGenerator(seed: seed, stream: 0x2057A6E)
            var order = Array(0..<count)
            order.shuffle(using: &generator)
            for k in order.prefix(wanted) { mask[k] = true }
        } else {
            let order = (0..<count).sorted { (data.times[$0], $0) < (data.times[$1], $1) }
            for k in order.suffix(wanted) { mask[k] = true }
        }
        return mask
    }

    /// The feature columns `drop_features` names: always missing, so no tree splits on them.
    private var droppedColumns: Set<Int> {
        let names = FeatureContext.names(components: components.map(\.name))
        return Set(dropped.compactMap { names.firstIndex(of: $0) })
    }

    private func fitComponents(_ data: Interactions, seed: UInt64) throws {
        try data.withView { view in
            for component in components { try component.fit(view, seed: seed) }
        }
    }

    /// For each user (in order): the union of the components' top-N unseen items (ascending ids)
    /// and their feature rows (row-major). Users are scored in blocks through every component.
    private func forEachCandidateBlock(users: [Int32], seen: Interactions, features: FeatureContext,
                                       _ body: (Int32, [Int32], [Float]) throws -> Void) throws {
        let itemCount = seen.columnCount, blockSize = 256
        var componentScores = [[Float]](repeating: [], count: components.count)
        var start = 0
        while start < users.count {
            let block = Array(users[start..<min(start + blockSize, users.count)])
            for (c, component) in components.enumerated() {
                componentScores[c] = [Float](repeating: 0, count: block.count * itemCount)
                try block.withUnsafeBufferPointer { ids in
                    try componentScores[c].withUnsafeMutableBufferPointer { try component.score(users: ids, itemCount: itemCount, into: $0) }
                }
            }
            for (offset, user) in block.enumerated() {
                let base = offset * itemCount
                var ranks = [[Int32: Int]](repeating: [:], count: components.count)
                var union = Set<Int32>()
                for c in components.indices {
                    var row = Array(componentScores[c][base..<(base + itemCount)])
                    for item in seen.columns(of: Int(user)) { row[Int(item)] = -.infinity }
                    let top = row.withUnsafeBufferPointer { TopK.select($0, k: candidateCount) }
                    for (position, item) in top.enumerated() { ranks[c][item] = position + 1 }
                    union.formUnion(top)
                }
                let items = union.sorted()
                var rows = [Float](repeating: .nan, count: items.count * features.width)
                rows.withUnsafeMutableBufferPointer { rows in
                    for (index, item) in items.enumerated() {
                        let target = UnsafeMutableBufferPointer(rebasing: rows[(index * features.width)..<((index + 1) * features.width)])
                        features.fill(target, user: Int(user), item: Int(item),
                                      componentScores: components.indices.map { componentScores[$0][base + Int(item)] },
                                      componentRanks: components.indices.map { Float(ranks[$0][item] ?? candidateCount + 1) })
                    }
                }
                try body(user, items, rows)
            }
            start += block.count
        }
    }

    private func writeRows(_ rows: [(Int32, Int32, Float)]) throws {
        var text = "user\titem\tlabel\n"
        for (user, item, label) in rows { text += "\(user)\t\(item)\t\(Int(label))\n" }
        do {
            try text.write(toFile: rowsFile, atomically: true, encoding: .utf8)
        } catch {
            throw PluginError("TwoStage: cannot write training_rows_file \(rowsFile): \(error.localizedDescription)")
        }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: TwoStage.self)
}
