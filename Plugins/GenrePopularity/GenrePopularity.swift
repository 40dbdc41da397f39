import Foundation
import RecKit

/// Genre-aware popularity for cold start: items ranked by the weighted rating
///
///     WR(i) = v/(v+m)·R + m/(v+m)·C
///
/// (R the item's mean training value, v its number of training interactions, m a vote threshold,
/// C the mean of all training values — IMDb's "true Bayesian estimate"), restricted to genres: a
/// fixed list (`genres`, "recommendations in these genres"), or each user's own liked genres (the
/// `top_genres` genres most frequent among the user's training items valued ≥ `like_threshold`).
/// Items of those genres rank before all others; within each group, by WR. A user with no liked
/// genre (a new user) gets WR over the whole catalogue: plain weighted-rating popularity.
///
/// Genres come from the host's item features (`genre:…` columns of rb_item_features_v1). Without
/// them the plugin logs a warning and ranks every user by WR alone — the documented fallback.
public final class GenrePopularity: ItemFeatureConsumer {
    public static let manifest = PluginManifest(
        name: "GenrePopularity",
        version: "1.0.0",
        description: "Weighted rating v/(v+m)·R + m/(v+m)·C, items of the user's liked genres (or of fixed genres) first; new users get the overall weighted rating.",
        capabilities: [.implicitRanking],
        parameters: [
            HyperParameter("m", .float, default: .float(10), min: 0, max: 1e9,
                           doc: "vote threshold m: an item with v ratings keeps v/(v+m) of its own mean and m/(v+m) of the global mean C"),
            HyperParameter("genres", .string, default: .string(""),
                           doc: "comma-separated genres every user is restricted to (as the dataset spells them, e.g. \"Comedy,Romance\"); empty: each user's liked genres"),
            HyperParameter("top_genres", .int, default: .int(3), min: 1, max: 1000,
                           doc: "how many of a user's most frequent genres count as liked (ties: genre name order)"),
            HyperParameter("like_threshold", .float, default: .float(4), min: -1e9, max: 1e9,
                           doc: "a training interaction counts towards liking its item's genres when its value is at least this (use 1 or less for implicit data)"),
        ])

    private let m: Double
    private let fixedGenres: [String]
    private let topGenres: Int
    private let likeThreshold: Float

    /// itemGenres[i]: the genre column indices of item i (into `genreNames`).
    private var itemGenres: [[Int32]] = []
    private var genreNames: [String] = []
    private var weightedRating: [Double] = []
    /// The score boost that puts every in-genre item above every other: (max WR − min WR) + 1.
    private var boost = 1.0
    /// liked[u]: the genre indices user u is restricted to (empty: none, plain WR).
    private var liked: [[Int32]] = []

    public init(parameters: PluginParameters) throws {
        m = try parameters.double("m")
        fixedGenres = try parameters.string("genres").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        topGenres = try parameters.int("top_genres")
        likeThreshold = Float(try parameters.double("like_threshold"))
    }

    public func setItemFeatures(_ features: CSRView, names: [String]) throws {
        let genreColumns = names.indices.filter { names[$0].hasPrefix("genre:") }
        genreNames = genreColumns.map { String(names[$0].dropFirst("genre:".count)) }
        var position = [Int32](repeating: -1, count: names.count)
        for (index, column) in genreColumns.enumerated() { position[column] = Int32(index) }
        itemGenres = (0..<features.rowCount).map { item in features.columns(of: item).compactMap { position[Int($0)] >= 0 ? position[Int($0)] : nil } }
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        let items = train.columnCount
        if itemGenres.isEmpty || genreNames.isEmpty {
            context.log("no genre:… item features; ranking every user by the weighted rating alone", level: .warning)
            itemGenres = [[Int32]](repeating: [], count: items)
            genreNames = []
        }
        guard itemGenres.count == items else {
            throw PluginError("GenrePopularity: item features describe \(itemGenres.count) items, the training matrix has \(items)")
        }
        var sums = [Double](repeating: 0, count: items), counts = [Double](repeating: 0, count: items)
        var total = 0.0
        for k in 0..<train.nonZeroCount {
            let item = Int(train.indices[k]), value = Double(train.values[k])
            sums[item] += value
            counts[item] += 1
            total += value
        }
        let globalMean = train.nonZeroCount > 0 ? total / Double(train.nonZeroCount) : 0
        weightedRating = (0..<items).map { item in
            let v = counts[item]
            guard v + m > 0 else { return globalMean }  // v = m = 0: no evidence either way
            return v / (v + m) * (sums[item] / max(v, 1)) + m / (v + m) * globalMean
        }
        boost = (weightedRating.max() ?? 0) - (weightedRating.min() ?? 0) + 1

        if !fixedGenres.isEmpty {
            let indices = try fixedGenres.map { genre -> Int32 in
                guard let index = genreNames.firstIndex(of: genre) else {
                    throw PluginError("GenrePopularity: genres names \"\(genre)\", which no item has; the genres are \(genreNames.joined(separator: ", "))")
                }
                return Int32(index)
            }
            liked = [[Int32]](repeating: indices, count: train.rowCount)
            return
        }
        liked = (0..<train.rowCount).map { user in
            var genreCounts: [Int32: Int] = [:]
            let columns = train.columns(of: user), values = train.values(of: user)
            for (item, value) in zip(columns, values) where value >= likeThreshold {
                for genre in itemGenres[Int(item)] { genreCounts[genre, default: 0] += 1 }
            }
            // Most frequent first; equal counts by genre name, so the choice does not depend on column order.
            let names = genreNames
            return genreCounts.sorted { $0.value != $1.value ? $0.value > $1.value : names[Int($0.key)] < names[Int($1.key)] }
                .prefix(topGenres).map(\.key)
        }
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int, into scores: UnsafeMutableBufferPointer<Float>) throws {
        var wanted = [Bool](repeating: false, count: genreNames.count)
        for (row, user) in users.enumerated() {
            let genres = liked[Int(user)]
            for genre in genres { wanted[Int(genre)] = true }
            let base = row * itemCount
            for item in 0..<itemCount {
                let inGenre = !genres.isEmpty && itemGenres[item].contains { wanted[Int($0)] }
                scores[base + item] = Float(weightedRating[item] + (inGenre ? boost : 0))
            }
            for genre in genres { wanted[Int(genre)] = false }
        }
    }

    /// The weighted rating of every item after fit (for tests through the Swift type; the host
    /// sees it only through scores).
    public var itemWeightedRatings: [Double] { weightedRating }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: GenrePopularity.self)
}
