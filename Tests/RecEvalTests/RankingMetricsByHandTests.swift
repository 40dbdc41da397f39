import Foundation
import Testing
@testable import RecEval
import RecMath

// Hand-worked tests of the ranking metrics, definition v1 (DESIGN v1, §7). Every expected value is
// derived on paper from the definitions below, never taken from running the code:
//
//   h_i = 1 if the item at rank i is in T(u)
//   P@K    = Σ h_i / K                      (K, even when the list is shorter)
//   R@K    = Σ h_i / |T|
//   HR@K   = 1 if Σ h_i > 0 else 0
//   DCG@K  = Σ h_i / log2(i+1);  IDCG@K = Σ_{i=1..min(|T|,K)} 1/log2(i+1);  NDCG = DCG / IDCG
//   AP@K   = Σ h_i · P@i / min(|T|, K)
//   MRR@K  = 1 / rank of first hit within K, 0 if none
//
// Useful constants: log2(2) = 1, log2(4) = 2, so 1/log2(2) = 1 and 1/log2(4) = 1/2.

private let tolerance = 1e-12

/// 1 / log2(i + 1): the discount at rank i.
private func d(_ rank: Int) -> Double { 1 / log2(Double(rank + 1)) }

/// Expected values of all six metrics at one cutoff.
private struct Expected {
    var precision, recall, ndcg, hr, map, mrr: Double

    func value(_ metric: RankingMetric) -> Double {
        switch metric {
        case .precision: precision
        case .recall: recall
        case .ndcg: ndcg
        case .hr: hr
        case .map: map
        case .mrr: mrr
        case .f1, .auc, .map_all: .nan   // v1 additions: tested in MoreMetricsByHandTests.swift
        }
    }

    static let zero = Expected(precision: 0, recall: 0, ndcg: 0, hr: 0, map: 0, mrr: 0)
}

private func compute(_ ranked: [Int32], relevant: Set<Int32>, keys: [MetricKey]) -> [Double] {
    ranked.withUnsafeBufferPointer {
        RankingMetric.values(ranked: $0, isRelevant: { relevant.contains($0) },
                             relevantCount: relevant.count, keys: keys)
    }
}

/// Checks all six metrics at each given cutoff, computed in one call with every key together.
private func check(
    _ ranked: [Int32], relevant: Set<Int32>, _ expected: [Int: Expected],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let keys = expected.keys.sorted().flatMap { k in RankingMetric.original.map { MetricKey($0, k) } }
    let got = compute(ranked, relevant: relevant, keys: keys)
    #expect(got.count == keys.count, sourceLocation: sourceLocation)
    for (key, value) in zip(keys, got) {
        let want = expected[key.cutoff]!.value(key.metric)
        #expect(abs(value - want) < tolerance, "\(key): got \(value), want \(want)", sourceLocation: sourceLocation)
    }
}

// MARK: - 1. RankingMetric.values on single users

@Suite("RankingMetric.values, by hand")
struct RankingMetricValuesByHandTests {
    @Test("all hits")
    func allHits() {
        // R = [1, 2, 3], T = {1, 2, 3}, K = 3: h = 1, 1, 1.
        // P = 3/3 = 1; R = 3/3 = 1; HR = 1
        // DCG = 1/log2(2) + 1/log2(3) + 1/log2(4) = IDCG (min(3,3) = 3 terms) → NDCG = 1
        // AP = (1/1 + 2/2 + 3/3) / min(3, 3) = 3/3 = 1; MRR = 1/1
        check([1, 2, 3], relevant: [1, 2, 3],
              [3: Expected(precision: 1, recall: 1, ndcg: 1, hr: 1, map: 1, mrr: 1)])
    }

    @Test("no hits")
    func noHits() {
        // R = [0, 1, 2], T = {5}, K = 3: h = 0, 0, 0 → every metric is 0 (DCG = 0, IDCG = 1).
        check([0, 1, 2], relevant: [5], [3: .zero])
    }

    @Test("hit only at rank 1")
    func hitAtRankOne() {
        // R = [7, 1, 2, 3, 4], T = {7, 9}, K = 5: h = 1, 0, 0, 0, 0.
        // P = 1/5; R = 1/2; HR = 1
        // DCG = 1/log2(2) = 1; IDCG = 1/log2(2) + 1/log2(3) (min(2,5) = 2 terms) = 1 + 1/log2(3)
        // AP = (1 · P@1) / min(2, 5) = (1 · 1/1) / 2 = 1/2; MRR = 1/1
        check([7, 1, 2, 3, 4], relevant: [7, 9],
              [5: Expected(precision: 1.0 / 5, recall: 1.0 / 2, ndcg: 1 / (1 + 1 / log2(3.0)),
                           hr: 1, map: 1.0 / 2, mrr: 1)])
    }

    @Test("hit only at the last rank")
    func hitAtLastRank() {
        // R = [0, 1, 2, 3, 4], T = {4}, K = 5: h = 0, 0, 0, 0, 1.
        // P = 1/5; R = 1/1 = 1; HR = 1
        // DCG = 1/log2(6); IDCG = 1/log2(2) = 1 (min(1,5) = 1 term) → NDCG = 1/log2(6)
        // AP = (1 · P@5) / min(1, 5) = (1/5) / 1 = 1/5; MRR = 1/5
        check([0, 1, 2, 3, 4], relevant: [4],
              [5: Expected(precision: 1.0 / 5, recall: 1, ndcg: 1 / log2(6.0),
                           hr: 1, map: 1.0 / 5, mrr: 1.0 / 5)])
    }

    @Test("hits at ranks 2 and 4, |T| = 3, K = 5")
    func hitsAtTwoAndFour() {
        // R = [10, 11, 12, 13, 14], T = {11, 13, 20}, K = 5: h = 0, 1, 0, 1, 0.
        // P = 2/5; R = 2/3; HR = 1
        // DCG = 1/log2(3) + 1/log2(5)
        // IDCG = 1/log2(2) + 1/log2(3) + 1/log2(4) (min(3,5) = 3 terms) = 1 + 1/log2(3) + 1/2
        // AP = (P@2 + P@4) / min(3, 5) = (1/2 + 2/4) / 3 = 1/3; MRR = 1/2
        check([10, 11, 12, 13, 14], relevant: [11, 13, 20],
              [5: Expected(precision: 2.0 / 5, recall: 2.0 / 3,
                           ndcg: (1 / log2(3.0) + 1 / log2(5.0)) / (1 + 1 / log2(3.0) + 1.0 / 2),
                           hr: 1, map: 1.0 / 3, mrr: 1.0 / 2)])
    }

    @Test("|T| > K: IDCG and AP denominators are capped at K")
    func moreRelevantThanK() {
        // R = [0, 1, 2], T = {0, 1, 2, 3, 4} (|T| = 5), K = 3: h = 1, 1, 1.
        // P = 3/3 = 1; R = 3/5; HR = 1
        // DCG = 1 + 1/log2(3) + 1/2; IDCG has min(5,3) = 3 terms = the same → NDCG = 1 (not < 1)
        // AP = (1/1 + 2/2 + 3/3) / min(5, 3) = 3/3 = 1 (not 3/5); MRR = 1
        check([0, 1, 2], relevant: [0, 1, 2, 3, 4],
              [3: Expected(precision: 1, recall: 3.0 / 5, ndcg: 1, hr: 1, map: 1, mrr: 1)])

        // R = [0, 1, 2], T = {0, 2, 5, 6, 7, 8} (|T| = 6), K = 3: h = 1, 0, 1.
        // P = 2/3; R = 2/6 = 1/3; HR = 1
        // DCG = 1/log2(2) + 1/log2(4) = 1 + 1/2 = 3/2
        // IDCG = 1 + 1/log2(3) + 1/2 (min(6,3) = 3 terms) → NDCG = (3/2) / (3/2 + 1/log2(3))
        // AP = (P@1 + P@3) / min(6, 3) = (1 + 2/3) / 3 = 5/9 (uncapped would be 5/18); MRR = 1
        check([0, 1, 2], relevant: [0, 2, 5, 6, 7, 8],
              [3: Expected(precision: 2.0 / 3, recall: 1.0 / 3, ndcg: 1.5 / (1.5 + 1 / log2(3.0)),
                           hr: 1, map: 5.0 / 9, mrr: 1)])
    }

    @Test("a ranked list shorter than K: precision still divides by K")
    func shortList() {
        // R = [3, 8] (2 items), T = {8, 9}, K = 5: h = 0, 1, then ranks 3..5 are empty (h = 0).
        // P = 1/5 (not 1/2); R = 1/2; HR = 1
        // DCG = 1/log2(3); IDCG = 1 + 1/log2(3) (min(2,5) = 2 terms)
        // AP = (P@2) / min(2, 5) = (1/2) / 2 = 1/4; MRR = 1/2
        check([3, 8], relevant: [8, 9],
              [5: Expected(precision: 1.0 / 5, recall: 1.0 / 2, ndcg: (1 / log2(3.0)) / (1 + 1 / log2(3.0)),
                           hr: 1, map: 1.0 / 4, mrr: 1.0 / 2)])

        // An empty list (every item masked): nothing is hit at any cutoff.
        check([], relevant: [1], [1: .zero, 3: .zero])
    }

    @Test("several cutoffs in one call: K = 1, 3, 5")
    func severalCutoffs() {
        // R = [5, 0, 7, 2, 9], T = {5, 2, 9, 4} (|T| = 4): h = 1, 0, 0, 1, 1.
        //
        // K = 1: Σh = 1. P = 1/1; R = 1/4; HR = 1
        //   DCG = 1; IDCG = 1 (min(4,1) = 1 term) → NDCG = 1
        //   AP = (1 · P@1) / min(4, 1) = 1/1 = 1; MRR = 1
        // K = 3: Σh = 1. P = 1/3; R = 1/4; HR = 1
        //   DCG = 1; IDCG = 1 + 1/log2(3) + 1/2 (3 terms) → NDCG = 1 / (3/2 + 1/log2(3))
        //   AP = (P@1) / min(4, 3) = 1/3; MRR = 1
        // K = 5: Σh = 3. P = 3/5; R = 3/4; HR = 1
        //   DCG = 1/log2(2) + 1/log2(5) + 1/log2(6) = 1 + 1/log2(5) + 1/log2(6)
        //   IDCG = 1 + 1/log2(3) + 1/2 + 1/log2(5) (min(4,5) = 4 terms)
        //   AP = (P@1 + P@4 + P@5) / min(4, 5) = (1 + 2/4 + 3/5) / 4 = (21/10) / 4 = 21/40; MRR = 1
        let ranked: [Int32] = [5, 0, 7, 2, 9]
        let relevant: Set<Int32> = [5, 2, 9, 4]
        let idcg5 = 1 + 1 / log2(3.0) + 1.0 / 2 + 1 / log2(5.0)
        check(ranked, relevant: relevant, [
            1: Expected(precision: 1, recall: 1.0 / 4, ndcg: 1, hr: 1, map: 1, mrr: 1),
            3: Expected(precision: 1.0 / 3, recall: 1.0 / 4, ndcg: 1 / (1.5 + 1 / log2(3.0)),
                        hr: 1, map: 1.0 / 3, mrr: 1),
            5: Expected(precision: 3.0 / 5, recall: 3.0 / 4, ndcg: (1 + 1 / log2(5.0) + 1 / log2(6.0)) / idcg5,
                        hr: 1, map: 21.0 / 40, mrr: 1),
        ])

        // The same numbers when the keys arrive in a scrambled order: values follow `keys`.
        let keys = [MetricKey(.map, 5), MetricKey(.precision, 1), MetricKey(.ndcg, 3),
                    MetricKey(.recall, 5), MetricKey(.mrr, 3), MetricKey(.hr, 1)]
        let want = [21.0 / 40, 1, 1 / (1.5 + 1 / log2(3.0)), 3.0 / 4, 1, 1]
        let got = compute(ranked, relevant: relevant, keys: keys)
        #expect(got.count == want.count)
        for (index, key) in keys.enumerated() {
            #expect(abs(got[index] - want[index]) < tolerance, "\(key)")
        }
    }

    @Test("first hit beyond a small cutoff counts at the larger one only")
    func firstHitBeyondCutoff() {
        // R = [0, 1, 2, 3], T = {2}, h = 0, 0, 1, 0.
        // K = 2: no hit → all 0.
        // K = 3: P = 1/3; R = 1; HR = 1; DCG = 1/log2(4) = 1/2, IDCG = 1 (1 term) → NDCG = 1/2
        //        AP = (P@3) / min(1, 3) = 1/3; MRR = 1/3
        // K = 4: P = 1/4; R = 1; HR = 1; NDCG = 1/2; AP = 1/3; MRR = 1/3
        check([0, 1, 2, 3], relevant: [2], [
            2: .zero,
            3: Expected(precision: 1.0 / 3, recall: 1, ndcg: 1.0 / 2, hr: 1, map: 1.0 / 3, mrr: 1.0 / 3),
            4: Expected(precision: 1.0 / 4, recall: 1, ndcg: 1.0 / 2, hr: 1, map: 1.0 / 3, mrr: 1.0 / 3),
        ])
    }

    @Test("the discount helper matches the hand constants")
    func discountConstants() {
        // Sanity for the comments above: 1/log2(2) = 1, 1/log2(4) = 1/2, 1/log2(8) = 1/3.
        #expect(abs(d(1) - 1) < tolerance)
        #expect(abs(d(3) - 0.5) < tolerance)
        #expect(abs(d(7) - 1.0 / 3) < tolerance)
    }
}

// MARK: - 3. RankingEvaluator end to end on a hand-made dataset

/// 4 users × 6 items.
///
///   user | train (masked) | test (relevant) | scores for items 0…5
///   -----+----------------+-----------------+------------------------------------
///     0  | {0, 3}         | {1, 4}          | 0.9  0.2  0.5  0.95 0.5  0.1
///     1  | {5}            | {}  (excluded)  | 0.1  0.2  0.3  0.4  0.5  0.6
///     2  | {1, 2}         | {5}             | 0.3  0.8  0.7  0.6  0.4  0.4
///     3  | {4}            | {0, 2, 3}       | 1.0  0.0  0.25 -0.5 2.0  1.0
///
/// Ranked lists after masking (ties by ascending index):
///   user 0: masked 0 (0.9) and 3 (0.95, the highest score of the row); left 1:0.2, 2:0.5, 4:0.5,
///           5:0.1 → 2 and 4 tie at 0.5, 2 first → R = [2, 4, 1, 5]; h = 0, 1, 1, 0
///   user 2: masked 1 (0.8) and 2 (0.7); left 0:0.3, 3:0.6, 4:0.4, 5:0.4 → 4 and 5 tie, 4 first
///           → R = [3, 4, 5, 0]; h = 0, 0, 1, 0
///   user 3: masked 4 (2.0, the highest); left 0:1.0, 1:0.0, 2:0.25, 3:−0.5, 5:1.0 → 0 and 5 tie,
///           0 first → R = [0, 5, 2, 1, 3]; h = 1, 0, 1, 0, 1
///   user 1: no test items → never scored, not averaged.
private enum Tiny {
    static let itemCount = 6
    static let train: [(Int32, Int32)] = [(0, 0), (0, 3), (1, 5), (2, 1), (2, 2), (3, 4)]
    static let test: [(Int32, Int32)] = [(0, 1), (0, 4), (2, 5), (3, 0), (3, 2), (3, 3)]
    static let scores: [[Float]] = [
        [0.9, 0.2, 0.5, 0.95, 0.5, 0.1],
        [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
        [0.3, 0.8, 0.7, 0.6, 0.4, 0.4],
        [1.0, 0.0, 0.25, -0.5, 2.0, 1.0],
    ]

    static func matrix(_ entries: [(Int32, Int32)]) throws -> CSRMatrix {
        try CSRMatrix(rowCount: scores.count, columnCount: itemCount,
                      rows: entries.map(\.0), columns: entries.map(\.1),
                      values: [Float](repeating: 1, count: entries.count))
    }
}

private func runTiny(
    metrics: [RankingMetric], cutoffs: [Int], blockSize: Int? = nil, table: [[Float]] = Tiny.scores
) throws -> (result: RankingEvaluator.Result, asked: [Int32], progress: [Double]) {
    var evaluator = RankingEvaluator(train: try Tiny.matrix(Tiny.train), test: try Tiny.matrix(Tiny.test),
                                     metrics: metrics, cutoffs: cutoffs)
    if let blockSize { evaluator.blockSize = blockSize }
    var asked: [Int32] = []
    var progress: [Double] = []
    let result = try evaluator.evaluate(score: { users, out in
        #expect(out.count == users.count * Tiny.itemCount)
        for (row, user) in users.enumerated() {
            asked.append(user)
            for item in 0..<Tiny.itemCount {
                out[row * Tiny.itemCount + item] = table[Int(user)][item]
            }
        }
    }, progress: { progress.append($0) })
    return (result, asked, progress)
}

@Suite("RankingEvaluator, by hand")
struct RankingEvaluatorByHandTests {
    // Per-user values at K = 1 and K = 3 (users 0, 2, 3; user 1 has no test items).
    //
    // user 0: R@3 = [2, 4, 1], T = {1, 4}, h = 0, 1, 1
    //   K=1: nothing hit → P = R = NDCG = HR = AP = MRR = 0
    //   K=3: P = 2/3; R = 2/2 = 1; HR = 1
    //        DCG = 1/log2(3) + 1/log2(4) = 1/log2(3) + 1/2; IDCG = 1 + 1/log2(3) (min(2,3) = 2 terms)
    //        AP = (P@2 + P@3) / min(2, 3) = (1/2 + 2/3) / 2 = (7/6) / 2 = 7/12; MRR = 1/2
    // user 2: R@3 = [3, 4, 5], T = {5}, h = 0, 0, 1
    //   K=1: all 0
    //   K=3: P = 1/3; R = 1/1 = 1; HR = 1; DCG = 1/log2(4) = 1/2, IDCG = 1 → NDCG = 1/2
    //        AP = (P@3) / min(1, 3) = 1/3; MRR = 1/3
    // user 3: R@3 = [0, 5, 2], T = {0, 2, 3}, h = 1, 0, 1
    //   K=1: P = 1; R = 1/3; DCG = 1, IDCG = 1 → NDCG = 1; HR = 1; AP = 1 / min(3, 1) = 1; MRR = 1
    //   K=3: P = 2/3; R = 2/3; HR = 1
    //        DCG = 1 + 1/log2(4) = 3/2; IDCG = 1 + 1/log2(3) + 1/2 → NDCG = (3/2) / (3/2 + 1/log2(3))
    //        AP = (P@1 + P@3) / min(3, 3) = (1 + 2/3) / 3 = 5/9; MRR = 1
    //
    // Means over the 3 users with test items:
    //   precision@1 = (0 + 0 + 1) / 3 = 1/3          precision@3 = (2/3 + 1/3 + 2/3) / 3 = 5/9
    //   recall@1    = (0 + 0 + 1/3) / 3 = 1/9        recall@3    = (1 + 1 + 2/3) / 3 = 8/9
    //   ndcg@1      = (0 + 0 + 1) / 3 = 1/3          ndcg@3      = (ndcg0 + 1/2 + ndcg3) / 3
    //   hr@1        = (0 + 0 + 1) / 3 = 1/3          hr@3        = (1 + 1 + 1) / 3 = 1
    //   map@1       = (0 + 0 + 1) / 3 = 1/3          map@3       = (7/12 + 1/3 + 5/9) / 3
    //                                                            = (21/36 + 12/36 + 20/36) / 3 = 53/108
    //   mrr@1       = (0 + 0 + 1) / 3 = 1/3          mrr@3       = (1/2 + 1/3 + 1) / 3 = (11/6) / 3 = 11/18
    // (Were user 1 averaged in as zeros, hr@3 would be 3/4, not 1.)
    static let ndcg0At3 = (1 / log2(3.0) + 1.0 / 2) / (1 + 1 / log2(3.0))
    static let ndcg3At3 = 1.5 / (1.5 + 1 / log2(3.0))

    static let perUser: [MetricKey: [Double]] = [
        MetricKey(.precision, 1): [0, 0, 1],
        MetricKey(.precision, 3): [2.0 / 3, 1.0 / 3, 2.0 / 3],
        MetricKey(.recall, 1): [0, 0, 1.0 / 3],
        MetricKey(.recall, 3): [1, 1, 2.0 / 3],
        MetricKey(.ndcg, 1): [0, 0, 1],
        MetricKey(.ndcg, 3): [ndcg0At3, 1.0 / 2, ndcg3At3],
        MetricKey(.hr, 1): [0, 0, 1],
        MetricKey(.hr, 3): [1, 1, 1],
        MetricKey(.map, 1): [0, 0, 1],
        MetricKey(.map, 3): [7.0 / 12, 1.0 / 3, 5.0 / 9],
        MetricKey(.mrr, 1): [0, 0, 1],
        MetricKey(.mrr, 3): [1.0 / 2, 1.0 / 3, 1],
    ]

    static let means: [MetricKey: Double] = [
        MetricKey(.precision, 1): 1.0 / 3,
        MetricKey(.precision, 3): 5.0 / 9,
        MetricKey(.recall, 1): 1.0 / 9,
        MetricKey(.recall, 3): 8.0 / 9,
        MetricKey(.ndcg, 1): 1.0 / 3,
        MetricKey(.ndcg, 3): (ndcg0At3 + 1.0 / 2 + ndcg3At3) / 3,
        MetricKey(.hr, 1): 1.0 / 3,
        MetricKey(.hr, 3): 1,
        MetricKey(.map, 1): 1.0 / 3,
        MetricKey(.map, 3): 53.0 / 108,
        MetricKey(.mrr, 1): 1.0 / 3,
        MetricKey(.mrr, 3): 11.0 / 18,
    ]

    @Test("every metric at K = 1 and 3, per user and averaged", arguments: [nil, 1, 2, 256] as [Int?])
    func endToEnd(blockSize: Int?) throws {
        // Metrics and cutoffs deliberately given out of order.
        let (result, asked, progress) = try runTiny(
            metrics: [.mrr, .precision, .map, .ndcg, .recall, .hr], cutoffs: [3, 1], blockSize: blockSize)

        // Only users with test items are evaluated, and only they are scored.
        #expect(result.users == [0, 2, 3])
        #expect(asked == [0, 2, 3])
        #expect(progress.last == 1)

        #expect(Set(result.keys) == Set(Self.means.keys))
        #expect(result.keys.count == 12)
        for key in result.keys {
            let index = result.keys.firstIndex(of: key)!
            let wantUsers = Self.perUser[key]!
            #expect(result.perUser[index].count == 3)
            for (u, want) in wantUsers.enumerated() where u < result.perUser[index].count {
                let got = result.perUser[index][u]
                #expect(abs(got - want) < tolerance, "\(key) user \(result.users[u]): got \(got), want \(want)")
            }
            let mean = try #require(result.mean(key))
            #expect(abs(mean - Self.means[key]!) < tolerance, "mean \(key): got \(mean), want \(Self.means[key]!)")
        }
    }

    @Test("masked lists shorter than K: precision divides by K, AP by min(|T|, K)")
    func cutoffBeyondCandidates() throws {
        // K = 5 on the same data. Unmasked candidates: user 0 has 4, user 2 has 4, user 3 has 5.
        //   user 0: R = [2, 4, 1, 5], T = {1, 4}, h = 0, 1, 1, 0
        //           P = 2/5; R = 1; AP = (P@2 + P@3) / min(2, 5) = (1/2 + 2/3) / 2 = 7/12; MRR = 1/2
        //   user 2: R = [3, 4, 5, 0], T = {5}, h = 0, 0, 1, 0
        //           P = 1/5; R = 1; AP = (1/3) / min(1, 5) = 1/3; MRR = 1/3
        //   user 3: R = [0, 5, 2, 1, 3], T = {0, 2, 3}, h = 1, 0, 1, 0, 1
        //           P = 3/5; R = 1; AP = (1 + 2/3 + 3/5) / min(3, 5) = (15/15 + 10/15 + 9/15) / 3 = 34/45
        //           MRR = 1
        // Means: P = (2/5 + 1/5 + 3/5) / 3 = 2/5; R = 1
        //        MAP = (7/12 + 1/3 + 34/45) / 3 = (105/180 + 60/180 + 136/180) / 3 = (301/180) / 3 = 301/540
        //        MRR = (1/2 + 1/3 + 1) / 3 = 11/18
        let (result, _, _) = try runTiny(metrics: [.precision, .recall, .map, .mrr], cutoffs: [5])
        let expected: [(MetricKey, [Double], Double)] = [
            (MetricKey(.precision, 5), [2.0 / 5, 1.0 / 5, 3.0 / 5], 2.0 / 5),
            (MetricKey(.recall, 5), [1, 1, 1], 1),
            (MetricKey(.map, 5), [7.0 / 12, 1.0 / 3, 34.0 / 45], 301.0 / 540),
            (MetricKey(.mrr, 5), [1.0 / 2, 1.0 / 3, 1], 11.0 / 18),
        ]
        #expect(result.users == [0, 2, 3])
        for (key, users, mean) in expected {
            let index = try #require(result.keys.firstIndex(of: key))
            #expect(result.perUser[index].count == 3)
            for (u, want) in users.enumerated() where u < result.perUser[index].count {
                #expect(abs(result.perUser[index][u] - want) < tolerance, "\(key) user \(result.users[u])")
            }
            #expect(abs(try #require(result.mean(key)) - mean) < tolerance, "mean \(key)")
        }
    }

    @Test("a NaN score makes the evaluator throw")
    func nanThrows() throws {
        // NaN on an unmasked item of user 2 (item 3).
        var table = Tiny.scores
        table[2][3] = .nan
        #expect(throws: EvaluationError.self) {
            _ = try runTiny(metrics: [.ndcg], cutoffs: [3], table: table)
        }

        // NaN on a masked (training) item of user 0 (item 0): still an invalid score → throws.
        table = Tiny.scores
        table[0][0] = .nan
        #expect(throws: EvaluationError.self) {
            _ = try runTiny(metrics: [.ndcg], cutoffs: [3], table: table)
        }

        // The clean table does not throw.
        #expect(throws: Never.self) {
            _ = try runTiny(metrics: [.ndcg], cutoffs: [3])
        }
    }
}
