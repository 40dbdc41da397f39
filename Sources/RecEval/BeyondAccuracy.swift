import Foundation
import RecMath

/// Beyond-accuracy metrics over the whole set of top-K lists of an evaluation (definition version 1,
/// "v1 additions" in docs/metrics.md). They are aggregates: one value per run and cutoff, not a
/// mean of per-user values, so they have no per-user values and no significance tests.
///
/// Notation: U = the evaluated users (one list each, best first), L_K(u) = the first K items of
/// u's list (fewer when the list is shorter), I = the catalogue (n = |I| items), c_i = the number of
/// training interactions of item i (= training users who have it), U_train = the number of users
/// with at least one training interaction.
///
/// - `coverage@K` = |∪_u L_K(u)| / n
/// - `gini@K`: with x_i = #{u : i ∈ L_K(u)} for every catalogue item (zeros included), sorted
///   ascending x_(1) ≤ … ≤ x_(n): Gini = Σ_{j=1..n} (2j − n − 1) · x_(j) / (n · Σ_j x_(j)).
///   0 = every item recommended equally often; (n − 1)/n = every recommendation is the same item;
///   0 when nothing is recommended.
/// - `novelty@K` = mean over users of (1/|L_K(u)|) Σ_{i∈L_K(u)} −log2 pop(i), pop(i) = max(c_i, 1) / U_train
///   (an item no training user has counts as seen once: self-information log2 U_train, the largest
///   finite value).
/// - `arp@K` = mean over users of (1/|L_K(u)|) Σ_{i∈L_K(u)} c_i.
/// - `ild@K` (only with item genres) = mean over users with |L_K(u)| ≥ 2 of
///   (2 / (m(m−1))) Σ_{a<b} (1 − |G_a ∩ G_b| / |G_a ∪ G_b|), m = |L_K(u)|, G_a the genre set of the
///   item at rank a; two items both without genres are at distance 0.
///
/// Users with an empty list are left out of the novelty and ARP means; an average over no users is 0.
public enum BeyondAccuracy {
    /// The definition version of these metrics (the v1 additions share version 1).
    public static let definitionVersion = RankingMetric.definitionVersion

    /// Names in the order `measure` reports them.
    public static let names = ["coverage", "gini", "novelty", "arp", "ild"]

    /// Every beyond-accuracy metric at one cutoff.
    ///
    /// - Parameters:
    ///   - lists: per user, the recommended items best first (only the first `cutoff` are used).
    ///   - itemCount: n, the catalogue size; every listed item must be in 0..<itemCount.
    ///   - trainItemCounts: c_i for every catalogue item (itemCount entries).
    ///   - trainUserCount: U_train (> 0).
    ///   - itemGenres: the genres of every catalogue item (itemCount entries), or nil: then "ild"
    ///     is not reported.
    /// - Returns: "coverage", "gini", "novelty", "arp" and, with genres, "ild".
    public static func measure(
        lists: [[Int32]], cutoff: Int, itemCount: Int, trainItemCounts: [Int], trainUserCount: Int,
        itemGenres: [[String]]? = nil
    ) -> [String: Double] {
        measure(lists: lists, cutoff: cutoff, itemCount: itemCount, trainItemCounts: trainItemCounts,
                trainUserCount: trainUserCount, genres: itemGenres.map(GenreSets.init))
    }

    /// The metrics at each cutoff from an evaluation run with `keepLists` (its lists must be at least
    /// max(cutoffs) deep where candidates allowed), with c_i and U_train taken from `train`.
    public static func measure(
        result: RankingEvaluator.Result, train: CSRMatrix, cutoffs: [Int], itemGenres: [[String]]? = nil
    ) -> [AggregateMetric] {
        guard let lists = result.lists else {
            preconditionFailure("the evaluation did not keep its lists (RankingEvaluator.keepLists)")
        }
        let (itemCounts, userCount) = trainStatistics(train)
        let genres = itemGenres.map(GenreSets.init)
        return cutoffs.sorted().flatMap { cutoff in
            let values = measure(lists: lists, cutoff: cutoff, itemCount: train.columnCount, trainItemCounts: itemCounts,
                                 trainUserCount: userCount, genres: genres)
            return names.compactMap { name in values[name].map { AggregateMetric(name, cutoff: cutoff, value: $0) } }
        }
    }

    /// c_i (entries of column i) for every item, and U_train (rows with at least one entry).
    public static func trainStatistics(_ train: CSRMatrix) -> (itemCounts: [Int], userCount: Int) {
        var counts = [Int](repeating: 0, count: train.columnCount)
        for item in train.indices { counts[Int(item)] += 1 }
        let users = (0..<train.rowCount).count { train.indptr[$0 + 1] > train.indptr[$0] }
        return (counts, users)
    }

    static func measure(
        lists: [[Int32]], cutoff: Int, itemCount: Int, trainItemCounts: [Int], trainUserCount: Int, genres: GenreSets?
    ) -> [String: Double] {
        precondition(cutoff > 0, "cutoff must be positive")
        precondition(itemCount > 0, "an empty catalogue")
        precondition(trainItemCounts.count == itemCount, "one training count per item")
        precondition(trainUserCount > 0, "novelty needs at least one training user")
        if let genres { precondition(genres.itemCount == itemCount, "one genre list per item") }

        // Self-information of every item: −log2(max(c_i, 1) / U_train).
        let selfInformation = trainItemCounts.map { -log2(Double(max($0, 1)) / Double(trainUserCount)) }
        var exposure = [Int](repeating: 0, count: itemCount)
        var noveltySum = 0.0, arpSum = 0.0, listedUsers = 0
        var ildSum = 0.0, ildUsers = 0
        for list in lists {
            let top = list.prefix(cutoff)
            guard !top.isEmpty else { continue }
            var novelty = 0.0, popularity = 0
            for item in top {
                precondition(item >= 0 && Int(item) < itemCount, "item \(item) is outside the catalogue")
                exposure[Int(item)] += 1
                novelty += selfInformation[Int(item)]
                popularity += trainItemCounts[Int(item)]
            }
            noveltySum += novelty / Double(top.count)
            arpSum += Double(popularity) / Double(top.count)
            listedUsers += 1
            if let genres, top.count >= 2 {
                var distance = 0.0
                for a in top.indices {
                    for b in top.indices where b > a { distance += genres.jaccardDistance(top[a], top[b]) }
                }
                let pairs = top.count * (top.count - 1) / 2
                ildSum += distance / Double(pairs)
                ildUsers += 1
            }
        }
        // Gini over the sorted exposure counts, numerator exact in integers.
        exposure.sort()
        let n = itemCount
        var numerator = 0, total = 0
        for (offset, x) in exposure.enumerated() {
            numerator += (2 * (offset + 1) - n - 1) * x
            total += x
        }
        var values: [String: Double] = [
            "coverage": Double(exposure.count { $0 > 0 }) / Double(n),
            "gini": total > 0 ? Double(numerator) / (Double(n) * Double(total)) : 0,
            "novelty": listedUsers > 0 ? noveltySum / Double(listedUsers) : 0,
            "arp": listedUsers > 0 ? arpSum / Double(listedUsers) : 0,
        ]
        if genres != nil { values["ild"] = ildUsers > 0 ? ildSum / Double(ildUsers) : 0 }
        return values
    }
}

/// Item genre sets as bit sets over the distinct genre names (interned once).
struct GenreSets: Sendable {
    let itemCount: Int
    let words: Int
    private let bits: [UInt64]

    init(_ itemGenres: [[String]]) {
        var index: [String: Int] = [:]
        for genres in itemGenres { for genre in genres where index[genre] == nil { index[genre] = index.count } }
        itemCount = itemGenres.count
        words = max(1, (index.count + 63) / 64)
        var bits = [UInt64](repeating: 0, count: itemCount * words)
        for (item, genres) in itemGenres.enumerated() {
            for genre in genres {
                let g = index[genre]!
                bits[item * words + g / 64] |= 1 << UInt64(g % 64)
            }
        }
        self.bits = bits
    }

    /// 1 − |G_a ∩ G_b| / |G_a ∪ G_b|; 0 when both sets are empty.
    func jaccardDistance(_ a: Int32, _ b: Int32) -> Double {
        var both = 0, either = 0
        for w in 0..<words {
            let x = bits[Int(a) * words + w], y = bits[Int(b) * words + w]
            both += (x & y).nonzeroBitCount
            either += (x | y).nonzeroBitCount
        }
        return either == 0 ? 0 : 1 - Double(both) / Double(either)
    }
}
