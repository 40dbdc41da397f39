import Foundation

/// The re-ranker's features of a (user, candidate item) pair, from the interactions the
/// components were fitted on (never anything else):
///
///   per component c: score_c (its raw score), rank_c (1 = its best unseen item; N + 1 when
///   outside its top N);
///   item_count (training interactions of the item), item_mean (its mean value), user_count,
///   user_mean, genre_overlap (Σ over the item's genres of the share of the user's training items
///   carrying that genre), item_recent (the item's interactions in the last `recentDays` before
///   the latest training time), item_age_days (days from the item's last interaction to that
///   time; missing without times), item_year (release year; missing when unknown).
struct FeatureContext {
    static func names(components: [String]) -> [String] {
        components.flatMap { ["score:\($0)", "rank:\($0)"] }
            + ["item_count", "item_mean", "user_count", "user_mean", "genre_overlap", "item_recent", "item_age_days", "item_year"]
    }

    let componentCount: Int
    var width: Int { 2 * componentCount + 8 }
    private var itemCount: [Float]
    private var itemMean: [Float]
    private var userCount: [Float]
    private var userMean: [Float]
    private var itemRecent: [Float]
    private var itemAge: [Float]
    private let itemYear: [Float]
    private let itemGenres: [[Int32]]
    /// genreShare[u]: genre → share of u's training items with it (sparse: only genres u has).
    private var genreShare: [[Int32: Float]]

    /// Columns always written as missing (`drop_features`).
    private let dropped: Set<Int>

    init(_ data: Interactions, componentCount: Int, itemGenres: [[Int32]], itemYear: [Float], recentDays: Double, dropped: Set<Int> = []) {
        self.componentCount = componentCount
        self.dropped = dropped
        self.itemGenres = itemGenres
        self.itemYear = itemYear
        let items = data.columnCount, users = data.rowCount
        var counts = [Float](repeating: 0, count: items), sums = [Float](repeating: 0, count: items)
        var last = [Int64](repeating: .min, count: items)
        for k in data.indices.indices {
            let item = Int(data.indices[k])
            counts[item] += 1
            sums[item] += data.values[k]
            if !data.times.isEmpty { last[item] = max(last[item], data.times[k]) }
        }
        itemCount = counts
        itemMean = (0..<items).map { counts[$0] > 0 ? sums[$0] / counts[$0] : .nan }
        let now = data.times.max()
        itemRecent = [Float](repeating: .nan, count: items)
        itemAge = [Float](repeating: .nan, count: items)
        if let now {
            let since = now - Int64(recentDays * 86_400)
            itemRecent = [Float](repeating: 0, count: items)
            for k in data.indices.indices where data.times[k] > since { itemRecent[Int(data.indices[k])] += 1 }
            for item in 0..<items where last[item] != .min { itemAge[item] = Float(Double(now - last[item]) / 86_400) }
        }
        userCount = (0..<users).map { Float(data.indptr[$0 + 1] - data.indptr[$0]) }
        userMean = (0..<users).map { user in
            let range = Int(data.indptr[user])..<Int(data.indptr[user + 1])
            return range.isEmpty ? .nan : data.values[range].reduce(0, +) / Float(range.count)
        }
        genreShare = (0..<users).map { user in
            var shares: [Int32: Float] = [:]
            let columns = data.columns(of: user)
            for item in columns { for genre in itemGenres[Int(item)] { shares[genre, default: 0] += 1 } }
            let total = Float(max(columns.count, 1))
            return shares.mapValues { $0 / total }
        }
    }

    /// Writes the features of (user, item) into `row` (width floats); `componentScores[c]` and
    /// `componentRanks[c]` are the item's score and rank for this user under component c.
    func fill(_ row: UnsafeMutableBufferPointer<Float>, user: Int, item: Int, componentScores: [Float], componentRanks: [Float]) {
        var at = 0
        for c in 0..<componentCount {
            row[at] = componentScores[c]
            row[at + 1] = componentRanks[c]
            at += 2
        }
        var overlap: Float = 0
        let shares = genreShare[user]
        for genre in itemGenres[item] { overlap += shares[genre] ?? 0 }
        let rest: [Float] = [itemCount[item], itemMean[item], userCount[user], userMean[user], overlap, itemRecent[item], itemAge[item], itemYear[item]]
        for value in rest {
            row[at] = value
            at += 1
        }
        for column in dropped { row[column] = .nan }
    }
}
