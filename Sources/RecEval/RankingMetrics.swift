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

    /// The version of these definitions, stored beside every value.
    public static let definitionVersion = 1

    public static func < (a: RankingMetric, b: RankingMetric) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// How the metric is written in tables and the ledger: "ndcg@10".
    public func label(cutoff: Int) -> String { "\(rawValue)@\(cutoff)" }
}

/// A metric at a cutoff.
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
}

extension RankingMetric {
    /// Every requested metric at every cutoff for one user, in one pass over the ranked list.
    ///
    /// - Parameters:
    ///   - ranked: the user's recommendations, best first (at least max(cutoffs) long unless fewer
    ///     candidates existed).
    ///   - isRelevant: whether an item is in T(u).
    ///   - relevantCount: |T(u)|, which must be > 0 (users without test items are not averaged).
    /// - Returns: values in the order of `keys`.
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
            }
        }
    }
}
