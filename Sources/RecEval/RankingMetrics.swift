import Foundation

/// Top-K ranking metrics, definition version 1 (DESIGN.md §7, docs/metrics.md).
///
/// For a user u with relevant test items T(u) and a ranked list R(u) (seen items masked, ties in
/// score broken by ascending item index), with h_i = 1 when the item at rank i is in T(u):
public enum RankingMetric: String, CaseIterable, Codable, Sendable, Comparable {
    /// Precision@K = Σ_{i≤K} h_i / K   (K, not |R(u)|: a short list is not rewarded)
    case precision
    /// Recall@K = Σ_{i≤K} h_i / |T(u)|
    case recall
    /// NDCG@K = DCG@K / IDCG@K, DCG@K = Σ_{i≤K} h_i / log2(i+1), IDCG@K = Σ_{i=1..min(|T(u)|,K)} 1 / log2(i+1)
    case ndcg
    /// HR@K = 1 if Σ_{i≤K} h_i > 0, else 0
    case hr
    /// MAP@K: AP@K = (Σ_{i≤K} h_i · Precision@i) / min(|T(u)|, K), averaged over users
    case map
    /// MRR@K = 1 / (rank of the first hit within K), 0 if none
    case mrr

    // v1 additions (same definition version: the six metrics above are unchanged).

    /// F1@K = 2 · P@K · R@K / (P@K + R@K), 0 when P@K + R@K = 0.
    /// With H = Σ_{i≤K} h_i this is 2H / (K + |T(u)|), which is how it is computed.
    /// Averaged over users like the others (the mean of per-user F1, not F1 of the mean P and R).
    case f1
    /// AUC (cutoff-free, key cutoff 0): over the user's candidates C(u) = all items not masked,
    /// with relevant candidates P = T(u) ∩ C(u) and non-relevant candidates N = C(u) \ T(u),
    ///   AUC(u) = Σ_{p∈P} Σ_{n∈N} [s_p > s_n] + ½ [s_p = s_n]  /  (|P| · |N|).
    /// Every candidate counts, not only the top K, so it needs the whole masked score row: only
    /// `RankingEvaluator` computes it (`values(ranked:…)` returns NaN for it). Degenerate users:
    /// |P| = 0 → 0; |P| > 0 and |N| = 0 → 1. GAUC, its |T(u)|-weighted mean, is an aggregate
    /// (`RankingEvaluator.Result.gauc`).
    case auc
    /// MAP over all relevant items: AP@K = (Σ_{i≤K} h_i · Precision@i) / |T(u)| — the denominator is
    /// every relevant item, not min(|T(u)|, K). Microsoft Recommenders' `map` (the "MAP" column of
    /// their benchmark tables) and trec_eval's `map` cut at K. For a user with more than K test
    /// items it is smaller than `map@K`; the two are not interchangeable.
    case map_all

    /// The version of these definitions, stored beside every value.
    public static let definitionVersion = 1

    public static func < (a: RankingMetric, b: RankingMetric) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Metrics measured on the whole candidate set rather than the top K (today: `auc`). They are
    /// keyed once, with cutoff 0, whatever cutoffs are requested.
    public var isCutoffFree: Bool { self == .auc }

    /// Metrics that need the model's full score row (not only a ranked list): `auc`. A ranked list
    /// imported from elsewhere (TREC run) cannot give them.
    public var needsScores: Bool { self == .auc }

    /// The six metrics of definition v1 before the v1 additions, in their order.
    public static let original: [RankingMetric] = [.precision, .recall, .ndcg, .hr, .map, .mrr]

    /// How the metric is written in tables and the ledger: "ndcg@10"; a cutoff-free one (cutoff 0)
    /// is just its name: "auc".
    public func label(cutoff: Int) -> String { cutoff == 0 ? rawValue : "\(rawValue)@\(cutoff)" }
}

/// A metric at a cutoff (cutoff 0 for a cutoff-free metric such as `auc`).
public struct MetricKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var metric: RankingMetric
    public var cutoff: Int
    public init(_ metric: RankingMetric, _ cutoff: Int) {
        self.metric = metric
        self.cutoff = cutoff
    }
    public var description: String { metric.label(cutoff: cutoff) }
    public static func < (a: MetricKey, b: MetricKey) -> Bool {
        (a.metric, a.cutoff) < (b.metric, b.cutoff)
    }

    /// The keys of `metrics` × `cutoffs`, sorted by metric then cutoff; a cutoff-free metric gets
    /// one key with cutoff 0. The order `RankingEvaluator` and imported runs report in.
    public static func keys(metrics: [RankingMetric], cutoffs: [Int]) -> [MetricKey] {
        metrics.sorted().flatMap { metric in
            metric.isCutoffFree ? [MetricKey(metric, 0)] : cutoffs.sorted().map { MetricKey(metric, $0) }
        }
    }
}

/// A value measured over all evaluated users at once rather than averaged from per-user values:
/// GAUC, and the beyond-accuracy metrics (`BeyondAccuracy`). Cutoff 0 when it has none.
public struct AggregateMetric: Hashable, Sendable, CustomStringConvertible {
    /// "gauc", "coverage", "gini", "novelty", "arp", "ild".
    public var metric: String
    public var cutoff: Int
    public var value: Double
    public init(_ metric: String, cutoff: Int, value: Double) {
        self.metric = metric
        self.cutoff = cutoff
        self.value = value
    }
    /// "gini@20", or "gauc" for cutoff 0.
    public var label: String { cutoff == 0 ? metric : "\(metric)@\(cutoff)" }
    public var description: String { "\(label) = \(value)" }
}

extension RankingMetric {
    /// Every requested metric at every cutoff for one user, in one pass over the ranked list.
    ///
    /// - Parameters:
    ///   - ranked: the user's recommendations, best first (at least max(cutoffs) long unless fewer
    ///     candidates existed).
    ///   - isRelevant: whether an item is in T(u).
    ///   - relevantCount: |T(u)|, which must be > 0 (users without test items are not averaged).
    /// - Returns: values in the order of `keys`; NaN for a metric that needs the full score row
    ///   (`auc`, see `needsScores`), which only `RankingEvaluator` computes.
    public static func values(
        ranked: UnsafeBufferPointer<Int32>, isRelevant: (Int32) -> Bool, relevantCount: Int,
        keys: [MetricKey]
    ) -> [Double] {
        precondition(relevantCount > 0, "a user with no relevant items has no ranking metrics")
        let depth = keys.map(\.cutoff).max() ?? 0
        // Running sums at each depth i (1-based): hits, DCG, Σ h_i·P@i, first-hit rank.
        var hits = [Int](repeating: 0, count: depth + 1)
        var dcg = [Double](repeating: 0, count: depth + 1)
        var precisionSum = [Double](repeating: 0, count: depth + 1)
        var firstHit = 0
        for i in stride(from: 1, through: depth, by: 1) {
            let hit = i <= ranked.count && isRelevant(ranked[i - 1])
            hits[i] = hits[i - 1] + (hit ? 1 : 0)
            dcg[i] = dcg[i - 1] + (hit ? 1 / log2(Double(i) + 1) : 0)
            precisionSum[i] = precisionSum[i - 1] + (hit ? Double(hits[i]) / Double(i) : 0)
            if hit && firstHit == 0 { firstHit = i }
        }
        return keys.map { key in
            let k = key.cutoff
            switch key.metric {
            case .precision:
                return Double(hits[k]) / Double(k)
            case .recall:
                return Double(hits[k]) / Double(relevantCount)
            case .ndcg:
                var ideal = 0.0
                for i in 1...min(relevantCount, k) { ideal += 1 / log2(Double(i) + 1) }
                return dcg[k] / ideal
            case .hr:
                return hits[k] > 0 ? 1 : 0
            case .map:
                return precisionSum[k] / Double(min(relevantCount, k))
            case .mrr:
                return firstHit > 0 && firstHit <= k ? 1 / Double(firstHit) : 0
            case .f1:
                // 2·P·R/(P+R) with P = H/K, R = H/|T|  =  2H / (K + |T|); H = 0 gives 0.
                return 2 * Double(hits[k]) / Double(k + relevantCount)
            case .auc:
                return .nan
            case .map_all:
                return precisionSum[k] / Double(relevantCount)
            }
        }
    }

    /// AUC of one user from the masked score row (see `auc`): `relevantScores` are the scores of
    /// the relevant candidates P, `scores` the whole row, in which the `maskedCount` masked items
    /// hold −∞ and count as neither relevant nor non-relevant.
    ///
    /// Counting is exact in integers: with L_p = #{n ∈ N : s_n < s_p} and E_p = #{n ∈ N : s_n = s_p},
    /// AUC = (2 Σ L_p + Σ E_p) / (2 |P| |N|), one division at the end.
    static func auc(scores: UnsafeBufferPointer<Float>, relevantScores: [Float], maskedCount: Int) -> Double {
        let p = relevantScores.count
        guard p > 0 else { return 0 }
        let n = scores.count - maskedCount - p
        guard n > 0 else { return 1 }
        let sorted = relevantScores.sorted()
        var twiceCorrect = 0
        var group = 0
        while group < p {
            // Thresholds in groups of four per pass over the row.
            let t = SIMD4<Float>(sorted[group], sorted[min(group + 1, p - 1)],
                                 sorted[min(group + 2, p - 1)], sorted[min(group + 3, p - 1)])
            let (less, equal) = SIMDCount.lessAndEqual(scores, thresholds: t)
            for lane in 0..<min(4, p - group) {
                let v = sorted[group + lane]
                var l = less[lane], e = equal[lane]
                // Masked items (−∞) are counted by the pass; take them out.
                if v > -.infinity { l -= maskedCount } else { e -= maskedCount }
                // So are the relevant candidates themselves (including p itself in E).
                for other in sorted { if other < v { l -= 1 } else if other == v { e -= 1 } }
                twiceCorrect += 2 * l + e
            }
            group += 4
        }
        return Double(twiceCorrect) / (2 * Double(p) * Double(n))
    }
}

/// Vectorised counting over a score row.
enum SIMDCount {
    /// For each of four thresholds t: (#{i : s_i < t}, #{i : s_i = t}).
    ///
    /// Four scores per step against four thresholds: eight Int32×4 accumulators, which with the
    /// thresholds fit the 16 SSE registers (wider steps spill). A lane counts at most count / 4
    /// elements, so Int32 cannot overflow for any row length below 2^33.
    static func lessAndEqual(_ scores: UnsafeBufferPointer<Float>, thresholds t: SIMD4<Float>) -> (less: SIMD4<Int>, equal: SIMD4<Int>) {
        let count = scores.count
        var less = SIMD4<Int>(repeating: 0), equal = SIMD4<Int>(repeating: 0)
        guard let base = scores.baseAddress else { return (less, equal) }
        let t0 = SIMD4<Float>(repeating: t[0]), t1 = SIMD4<Float>(repeating: t[1])
        let t2 = SIMD4<Float>(repeating: t[2]), t3 = SIMD4<Float>(repeating: t[3])
        let zero = SIMD4<Int32>(repeating: 0)
        var l0 = zero, l1 = zero, l2 = zero, l3 = zero
        var e0 = zero, e1 = zero, e2 = zero, e3 = zero
        let raw = UnsafeRawPointer(base)
        var i = 0
        // A true mask lane is −1, so subtracting the mask counts it.
        while i + 4 <= count {
            let s = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self)
            l0 &-= unsafeBitCast(s .< t0, to: SIMD4<Int32>.self)
            l1 &-= unsafeBitCast(s .< t1, to: SIMD4<Int32>.self)
            l2 &-= unsafeBitCast(s .< t2, to: SIMD4<Int32>.self)
            l3 &-= unsafeBitCast(s .< t3, to: SIMD4<Int32>.self)
            e0 &-= unsafeBitCast(s .== t0, to: SIMD4<Int32>.self)
            e1 &-= unsafeBitCast(s .== t1, to: SIMD4<Int32>.self)
            e2 &-= unsafeBitCast(s .== t2, to: SIMD4<Int32>.self)
            e3 &-= unsafeBitCast(s .== t3, to: SIMD4<Int32>.self)
            i += 4
        }
        less = SIMD4(Int(l0.wrappedSum()), Int(l1.wrappedSum()), Int(l2.wrappedSum()), Int(l3.wrappedSum()))
        equal = SIMD4(Int(e0.wrappedSum()), Int(e1.wrappedSum()), Int(e2.wrappedSum()), Int(e3.wrappedSum()))
        while i < count {
            let s = base[i]
            for lane in 0..<4 {
                if s < t[lane] { less[lane] += 1 } else if s == t[lane] { equal[lane] += 1 }
            }
            i += 1
        }
        return (less, equal)
    }
}
