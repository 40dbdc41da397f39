import Foundation
import Testing
@testable import RecEval
import RecMath

// Hand-worked tests of the v1 additions to the ranking metrics (docs/metrics.md, "v1 additions"):
//
//   F1@K  = 2·P@K·R@K / (P@K + R@K), 0 when both are 0;  with H = Σ_{i≤K} h_i:  = 2H / (K + |T|)
//   AUC   = Σ_{p∈P} Σ_{n∈N} ([s_p > s_n] + ½[s_p = s_n]) / (|P|·|N|)  over the unmasked candidates
//           (P = relevant candidates, N = the other candidates; |P| = 0 → 0; |N| = 0 → 1); key cutoff 0
//   GAUC  = Σ_u |T(u)|·AUC(u) / Σ_u |T(u)|
//
// Every expected value is worked out on paper in the comments (exact fractions), never taken from
// running the code. The last suites check the fast paths (one-pass top-K with the NaN check, the
// two-thread split) against the reference `TopK.select` and the serial path, bit for bit.

private let tolerance = 1e-12

private func values(_ ranked: [Int32], relevant: Set<Int32>, keys: [MetricKey]) -> [Double] {
    ranked.withUnsafeBufferPointer {
        RankingMetric.values(ranked: $0, isRelevant: { relevant.contains($0) }, relevantCount: relevant.count, keys: keys)
    }
}

private func expectClose(_ got: Double?, _ want: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let got else {
        Issue.record("\(what): missing", sourceLocation: sourceLocation)
        return
    }
    #expect(abs(got - want) < tolerance, "\(what): got \(got), want \(want)", sourceLocation: sourceLocation)
}

// MARK: - MAP over all relevant items

@Suite("map_all@K, by hand")
struct MapAllByHandTests {
    @Test("hits at ranks 1, 4, 5 of K = 5 with |T| = 6: divided by 6, where map@5 divides by 5")
    func moreRelevantThanK() {
        // R = [5, 0, 7, 2, 9], T = {5, 2, 9, 4, 6, 8}: h = 1, 0, 0, 1, 1.
        // Σ h_i·P@i = 1/1 + 2/4 + 3/5 = 2.1  →  map_all@5 = 2.1 / 6 = 0.35, map@5 = 2.1 / 5 = 0.42.
        let got = values([5, 0, 7, 2, 9], relevant: [5, 2, 9, 4, 6, 8], keys: [MetricKey(.map_all, 5), MetricKey(.map, 5)])
        expectClose(got[0], 0.35, "map_all@5")
        expectClose(got[1], 0.42, "map@5")
    }

    @Test("with |T| ≤ K the two MAPs agree; no hit is 0")
    func fewRelevant() {
        // R = [3, 1, 4], T = {1, 4}: h = 0, 1, 1 → (1/2 + 2/3) / 2 = 7/12 under both denominators.
        let got = values([3, 1, 4], relevant: [1, 4], keys: [MetricKey(.map_all, 3), MetricKey(.map, 3)])
        expectClose(got[0], 7.0 / 12, "map_all@3")
        expectClose(got[1], 7.0 / 12, "map@3")
        expectClose(values([0, 2], relevant: [7], keys: [MetricKey(.map_all, 2)])[0], 0, "map_all@2, no hit")
    }
}

// MARK: - F1 from a ranked list

@Suite("F1@K, by hand")
struct F1ByHandTests {
    @Test("hits at ranks 2 and 4, |T| = 3, K = 5")
    func twoHits() {
        // R = [10, 11, 12, 13, 14], T = {11, 13, 20}: h = 0, 1, 0, 1, 0 → H = 2.
        // P = 2/5, R = 2/3: F1 = 2·(2/5)(2/3) / (2/5 + 2/3) = (8/15) / (16/15) = 1/2
        // (check: 2H / (K + |T|) = 4 / 8 = 1/2).
        let got = values([10, 11, 12, 13, 14], relevant: [11, 13, 20], keys: [MetricKey(.f1, 5)])
        expectClose(got[0], 1.0 / 2, "f1@5")
    }

    @Test("several cutoffs: K = 1, 3, 5")
    func severalCutoffs() {
        // R = [5, 0, 7, 2, 9], T = {5, 2, 9, 4} (|T| = 4): h = 1, 0, 0, 1, 1.
        // K = 1: H = 1, P = 1,   R = 1/4: F1 = 2·(1/4) / (5/4)          = 2/5
        // K = 3: H = 1, P = 1/3, R = 1/4: F1 = 2·(1/12) / (7/12)        = 2/7
        // K = 5: H = 3, P = 3/5, R = 3/4: F1 = 2·(9/20) / (27/20)       = 2/3
        let keys = [MetricKey(.f1, 1), MetricKey(.f1, 3), MetricKey(.f1, 5)]
        let got = values([5, 0, 7, 2, 9], relevant: [5, 2, 9, 4], keys: keys)
        for (index, want) in [2.0 / 5, 2.0 / 7, 2.0 / 3].enumerated() { expectClose(got[index], want, "\(keys[index])") }
    }

    @Test("no hit gives 0, not NaN; a short list still uses K")
    func zeroAndShort() {
        // R = [0, 1, 2], T = {5}: H = 0 → P = R = 0 → F1 = 0 by definition.
        expectClose(values([0, 1, 2], relevant: [5], keys: [MetricKey(.f1, 3)])[0], 0, "f1@3, no hit")
        // R = [3, 8] (2 items), T = {8, 9}, K = 5: H = 1, P = 1/5, R = 1/2:
        // F1 = 2·(1/10) / (7/10) = 2/7 (with P = 1/2 it would be 1/2).
        expectClose(values([3, 8], relevant: [8, 9], keys: [MetricKey(.f1, 5)])[0], 2.0 / 7, "f1@5, short list")
        // An empty list: 0 at every cutoff.
        let empty = values([], relevant: [1], keys: [MetricKey(.f1, 1), MetricKey(.f1, 3)])
        #expect(empty == [0, 0])
    }

    @Test("the original six metrics are unchanged next to f1, and auc is NaN from a list alone")
    func mixedKeys() {
        // R = [0, 1, 2, 3], T = {2}: h = 0, 0, 1, 0.
        // K = 3: P = 1/3, R = 1, MRR = 1/3; F1 = 2·(1/3)(1) / (4/3) = 1/2.
        let keys = [MetricKey(.precision, 3), MetricKey(.f1, 3), MetricKey(.auc, 0), MetricKey(.recall, 3), MetricKey(.mrr, 3)]
        let got = values([0, 1, 2, 3], relevant: [2], keys: keys)
        expectClose(got[0], 1.0 / 3, "precision@3")
        expectClose(got[1], 1.0 / 2, "f1@3")
        #expect(got[2].isNaN, "auc needs the score row")
        expectClose(got[3], 1, "recall@3")
        expectClose(got[4], 1.0 / 3, "mrr@3")
    }
}

// MARK: - keys and labels

@Suite("Metric keys of the v1 additions")
struct MetricKeyAdditionsTests {
    @Test("the six original cases keep their order; f1 and auc come after")
    func caseOrder() {
        #expect(RankingMetric.allCases == [.precision, .recall, .ndcg, .hr, .map, .mrr, .f1, .auc, .map_all])
        #expect(RankingMetric.original == Array(RankingMetric.allCases.prefix(6)))
        #expect(RankingMetric.definitionVersion == 1)
        #expect(RankingMetric.allCases.filter(\.needsScores) == [.auc])
        #expect(RankingMetric.allCases.filter(\.isCutoffFree) == [.auc])
    }

    @Test("auc is keyed once with cutoff 0 and labelled without @")
    func aucKey() {
        let keys = MetricKey.keys(metrics: [.auc, .f1, .precision], cutoffs: [10, 5])
        #expect(keys == [MetricKey(.precision, 5), MetricKey(.precision, 10), MetricKey(.f1, 5), MetricKey(.f1, 10),
                         MetricKey(.auc, 0)])
        #expect(keys.map(\.description) == ["precision@5", "precision@10", "f1@5", "f1@10", "auc"])
        #expect(RankingMetric.ndcg.label(cutoff: 10) == "ndcg@10")
        #expect(AggregateMetric("gauc", cutoff: 0, value: 0.5).label == "gauc")
        #expect(AggregateMetric("gini", cutoff: 20, value: 0.5).label == "gini@20")
    }
}

// MARK: - AUC on one score row

/// AUC of a row through the evaluator's routine: masks `masked` (−∞), relevant candidates are
/// `relevant` minus `masked`.
private func auc(_ row: [Float], relevant: [Int], masked: [Int]) -> Double {
    var scores = row
    for item in masked { scores[item] = -.infinity }
    let relevantScores = relevant.filter { !masked.contains($0) }.map { scores[$0] }
    return scores.withUnsafeBufferPointer {
        RankingMetric.auc(scores: $0, relevantScores: relevantScores, maskedCount: masked.count)
    }
}

@Suite("AUC, by hand")
struct AUCByHandTests {
    @Test("six items with a tie")
    func small() {
        // Scores [0.9, 0.2, 0.5, 0.95, 0.5, 0.1], masked {0, 3}, T = {1, 4}.
        // P = {1: 0.2, 4: 0.5}, N = {2: 0.5, 5: 0.1}.
        // (1,2): 0.2 < 0.5 → 0; (1,5): 0.2 > 0.1 → 1; (4,2): tie → ½; (4,5): 1.  Σ = 5/2 over 4 pairs → 5/8
        expectClose(auc([0.9, 0.2, 0.5, 0.95, 0.5, 0.1], relevant: [1, 4], masked: [0, 3]), 5.0 / 8, "auc")
    }

    @Test("all scores equal → 1/2; perfect → 1; reversed → 0")
    func extremes() {
        // 5 items all 0.3, T = {1, 3}: every one of the 2·3 pairs is a tie → (6 · ½) / 6 = 1/2.
        expectClose(auc([0.3, 0.3, 0.3, 0.3, 0.3], relevant: [1, 3], masked: []), 1.0 / 2, "all tied")
        // Relevant items strictly above all others: every pair correct → 1.
        expectClose(auc([0.1, 0.9, 0.2, 0.8, 0.0], relevant: [1, 3], masked: []), 1, "perfect")
        // Strictly below: none correct → 0.
        expectClose(auc([0.5, 0.1, 0.6, 0.2, 0.7], relevant: [1, 3], masked: []), 0, "reversed")
    }

    @Test("degenerate users: no relevant candidate → 0; no non-relevant candidate → 1")
    func degenerate() {
        // T = {1} but item 1 is masked (also a training item): |P| = 0 → 0.
        expectClose(auc([0.5, 0.9, 0.1], relevant: [1], masked: [0, 1]), 0, "|P| = 0")
        // 3 items, masked {0}, T = {1, 2}: N is empty → 1.
        expectClose(auc([0.5, 0.9, 0.1], relevant: [1, 2], masked: [0]), 1, "|N| = 0")
    }

    @Test("a score of −∞ from the model is a candidate; a masked item is not")
    func modelMinusInfinity() {
        // 4 items, nothing masked, T = {0}; the model scores [−∞, 0, −∞, 1].
        // P = {0: −∞}, N = {1: 0, 2: −∞, 3: 1}: (0,1) → 0; (0,2) tie → ½; (0,3) → 0. Σ = ½ over 3 → 1/6.
        expectClose(auc([-.infinity, 0, -.infinity, 1], relevant: [0], masked: []), 1.0 / 6, "−∞ relevant")
        // Masking item 2 instead removes it: N = {1, 3}, Σ = 0 over 2 → 0.
        expectClose(auc([-.infinity, 0, 5, 1], relevant: [0], masked: [2]), 0, "−∞ relevant, item 2 masked")
    }

    @Test("40 items: two vector chunks plus a tail, ties, masking")
    func longRow() {
        // s_i = i for i in 0..<40, except s_12 = 10 and s_33 = 39. Masked {3, 20}; T = {10, 30, 39}.
        // N = 40 − 2 masked − 3 relevant = 35 items.
        // p = 10 (score 10): below it among N: items 0…9 except 3 → 9; equal: item 12 → ½.   9½
        // p = 30 (score 30): below: items 0…29 minus {3, 20} (masked) minus {10} (relevant) = 27
        //                    (item 12 at 10 is among them; item 33 at 39 is not).            27
        // p = 39 (score 39): below: all of N except item 33 (equal) = 34; equal: item 33 → ½.  34½
        // Σ = 71 → AUC = 71 / (3 · 35) = 71/105
        var row = (0..<40).map(Float.init)
        row[12] = 10
        row[33] = 39
        expectClose(auc(row, relevant: [10, 30, 39], masked: [3, 20]), 71.0 / 105, "auc")
    }

    @Test("more than four relevant items (two groups of thresholds)")
    func sixRelevant() {
        // s_i = i for 40 items, T = {0, 1, 2, 37, 38, 39}, nothing masked: N = items 3…36 (34 items).
        // p = 0, 1, 2: nothing below → 0 each; p = 37, 38, 39: all 34 below → 34 each.
        // Σ = 102 → AUC = 102 / (6 · 34) = 1/2
        expectClose(auc((0..<40).map(Float.init), relevant: [0, 1, 2, 37, 38, 39], masked: []), 1.0 / 2, "auc")
        // T = {3, 5, 7, 11, 13} in 17 items s_i = i: N = 12 items.
        // Below p among N: p=3: {0,1,2} → 3; p=5: {0,1,2,4} → 4; p=7: {0,1,2,4,6} → 5;
        // p=11: {0,1,2,4,6,8,9,10} → 8; p=13: those + {12} → 9.  Σ = 29 → AUC = 29 / (5 · 12) = 29/60
        expectClose(auc((0..<17).map(Float.init), relevant: [3, 5, 7, 11, 13], masked: []), 29.0 / 60, "auc")
    }

    @Test("GAUC weights AUC by |T(u)|")
    func gaucWeights() {
        // AUC 5/8, 1/2, 5/12 with weights 2, 1, 3: (5/4 + 1/2 + 5/4) / 6 = 3 / 6 = 1/2.
        expectClose(RankingEvaluator.gauc(auc: [5.0 / 8, 1.0 / 2, 5.0 / 12], weights: [2, 1, 3]), 1.0 / 2, "gauc")
        // No weight at all → 0.
        #expect(RankingEvaluator.gauc(auc: [], weights: []) == 0)
    }
}

// MARK: - the evaluator end to end on the hand-made dataset of RankingMetricsByHandTests

/// The same 4 users × 6 items as RankingMetricsByHandTests:
///
///   user | train (masked) | test (relevant) | scores for items 0…5
///   -----+----------------+-----------------+------------------------------------
///     0  | {0, 3}         | {1, 4}          | 0.9  0.2  0.5  0.95 0.5  0.1
///     1  | {5}            | {}  (excluded)  | 0.1  0.2  0.3  0.4  0.5  0.6
///     2  | {1, 2}         | {5}             | 0.3  0.8  0.7  0.6  0.4  0.4
///     3  | {4}            | {0, 2, 3}       | 1.0  0.0  0.25 -0.5 2.0  1.0
///
/// Ranked lists (worked out there): user 0 [2, 4, 1, 5], user 2 [3, 4, 5, 0], user 3 [0, 5, 2, 1, 3].
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

    static func matrix(_ entries: [(Int32, Int32)], rows: Int = 4, columns: Int = itemCount) throws -> CSRMatrix {
        try CSRMatrix(rowCount: rows, columnCount: columns, rows: entries.map(\.0), columns: entries.map(\.1),
                      values: [Float](repeating: 1, count: entries.count))
    }
}

/// Runs an evaluator over a score table (users × items).
private func run(
    _ evaluator: RankingEvaluator, table: [[Float]]
) throws -> RankingEvaluator.Result {
    try evaluator.evaluate(score: { users, out in
        let itemCount = table[0].count
        for (row, user) in users.enumerated() {
            for item in 0..<itemCount { out[row * itemCount + item] = table[Int(user)][item] }
        }
    })
}

@Suite("RankingEvaluator v1 additions, by hand")
struct EvaluatorAdditionsByHandTests {
    // Per user (users 0, 2, 3):
    //
    // F1@K = 2H / (K + |T|):
    //   K = 1: user 0: R@1 = [2], H = 0 → 0; user 2: [3], H = 0 → 0; user 3: [0], H = 1, |T| = 3 → 2/4 = 1/2
    //          mean = (0 + 0 + 1/2) / 3 = 1/6
    //   K = 3: user 0: [2, 4, 1], H = 2, |T| = 2 → 4/5; user 2: [3, 4, 5], H = 1, |T| = 1 → 2/4 = 1/2
    //          user 3: [0, 5, 2], H = 2, |T| = 3 → 4/6 = 2/3
    //          mean = (4/5 + 1/2 + 2/3) / 3 = (24/30 + 15/30 + 20/30) / 3 = 59/90
    //
    // AUC over the unmasked candidates:
    //   user 0: candidates 1, 2, 4, 5; P = {1: 0.2, 4: 0.5}, N = {2: 0.5, 5: 0.1}
    //           (1,2) 0; (1,5) 1; (4,2) tie ½; (4,5) 1 → 5/2 over 4 = 5/8
    //   user 2: candidates 0, 3, 4, 5; P = {5: 0.4}, N = {0: 0.3, 3: 0.6, 4: 0.4}
    //           (5,0) 1; (5,3) 0; (5,4) tie ½ → 3/2 over 3 = 1/2
    //   user 3: candidates 0, 1, 2, 3, 5; P = {0: 1.0, 2: 0.25, 3: −0.5}, N = {1: 0.0, 5: 1.0}
    //           (0,1) 1; (0,5) tie ½; (2,1) 1; (2,5) 0; (3,1) 0; (3,5) 0 → 5/2 over 6 = 5/12
    //   mean AUC = (5/8 + 1/2 + 5/12) / 3 = (15/24 + 12/24 + 10/24) / 3 = 37/72
    //   GAUC (|T| = 2, 1, 3) = (2·5/8 + 1·1/2 + 3·5/12) / 6 = (5/4 + 1/2 + 5/4) / 6 = 1/2
    static let f1: [Int: ([Double], Double)] = [1: ([0, 0, 1.0 / 2], 1.0 / 6), 3: ([4.0 / 5, 1.0 / 2, 2.0 / 3], 59.0 / 90)]
    static let auc: ([Double], Double) = ([5.0 / 8, 1.0 / 2, 5.0 / 12], 37.0 / 72)

    func evaluator(metrics: [RankingMetric], cutoffs: [Int], threads: Int = 1, blockSize: Int = 256,
                   keepLists: Bool = false) throws -> RankingEvaluator {
        var evaluator = RankingEvaluator(train: try Tiny.matrix(Tiny.train), test: try Tiny.matrix(Tiny.test),
                                         metrics: metrics, cutoffs: cutoffs)
        evaluator.threadCount = threads
        evaluator.blockSize = blockSize
        evaluator.keepLists = keepLists
        return evaluator
    }

    @Test("f1@1, f1@3, auc and gauc, per user and averaged", arguments: [(1, 256), (2, 256), (2, 1), (3, 2)])
    func endToEnd(threads: Int, blockSize: Int) throws {
        let result = try run(try evaluator(metrics: [.auc, .f1, .ndcg], cutoffs: [3, 1], threads: threads,
                                           blockSize: blockSize), table: Tiny.scores)
        #expect(result.users == [0, 2, 3])
        #expect(result.keys == [MetricKey(.ndcg, 1), MetricKey(.ndcg, 3), MetricKey(.f1, 1), MetricKey(.f1, 3), MetricKey(.auc, 0)])
        #expect(result.relevantCounts == [2, 1, 3])
        for (k, (perUser, mean)) in Self.f1 {
            let index = try #require(result.keys.firstIndex(of: MetricKey(.f1, k)))
            for u in 0..<3 { expectClose(result.perUser[index][u], perUser[u], "f1@\(k) user \(result.users[u])") }
            expectClose(result.mean(MetricKey(.f1, k)), mean, "mean f1@\(k)")
        }
        let index = try #require(result.keys.firstIndex(of: MetricKey(.auc, 0)))
        for u in 0..<3 { expectClose(result.perUser[index][u], Self.auc.0[u], "auc user \(result.users[u])") }
        expectClose(result.mean(MetricKey(.auc, 0)), Self.auc.1, "mean auc")
        expectClose(result.gauc, 1.0 / 2, "gauc")
        #expect(result.aggregates.map(\.label) == ["gauc"])
        expectClose(result.aggregates.first?.value, 1.0 / 2, "aggregate gauc")
        // The original metrics are untouched by the additions: ndcg@1 = (0 + 0 + 1) / 3 = 1/3.
        expectClose(result.mean(MetricKey(.ndcg, 1)), 1.0 / 3, "mean ndcg@1")
        #expect(result.lists == nil)
    }

    @Test("auc alone: one key, no top-K, gauc; no auc → no gauc")
    func aucOnly() throws {
        let result = try run(try evaluator(metrics: [.auc], cutoffs: [5, 10]), table: Tiny.scores)
        #expect(result.keys == [MetricKey(.auc, 0)])
        expectClose(result.mean(MetricKey(.auc, 0)), 37.0 / 72, "mean auc")
        expectClose(result.gauc, 1.0 / 2, "gauc")
        let without = try run(try evaluator(metrics: [.precision], cutoffs: [3]), table: Tiny.scores)
        #expect(without.gauc == nil)
        #expect(without.aggregates.isEmpty)
    }

    @Test("keepLists keeps the top-max(K) lists in user order")
    func keptLists() throws {
        // Lists at depth 3 (worked out in RankingMetricsByHandTests): [2, 4, 1], [3, 4, 5], [0, 5, 2].
        for threads in [1, 2] {
            let result = try run(try evaluator(metrics: [.precision], cutoffs: [1, 3], threads: threads, keepLists: true),
                                 table: Tiny.scores)
            #expect(result.lists == [[2, 4, 1], [3, 4, 5], [0, 5, 2]])
        }
        // K = 5 is beyond user 0's and user 2's 4 candidates: their lists are shorter.
        let deep = try run(try evaluator(metrics: [.hr], cutoffs: [5], keepLists: true), table: Tiny.scores)
        #expect(deep.lists == [[2, 4, 1, 5], [3, 4, 5, 0], [0, 5, 2, 1, 3]])
    }

    @Test("a test item that is also a training item is masked: not a candidate for AUC")
    func testItemInTrain() throws {
        // 1 user × 4 items, train {1}, test {1, 2}; scores [0.4, 0.9, 0.1, 0.3].
        // Candidates 0, 2, 3: P = {2: 0.1}, N = {0: 0.4, 3: 0.3} → no pair correct → AUC = 0.
        // R@2 = [0, 3] → F1@2 = 2·0 / (2 + 2) = 0. GAUC = |T| = 2 weight on 0 → 0.
        // With train {1, 2}: P is empty → AUC = 0 by definition.
        let test = try Tiny.matrix([(0, 1), (0, 2)], rows: 1, columns: 4)
        var evaluator = RankingEvaluator(train: try Tiny.matrix([(0, 1)], rows: 1, columns: 4), test: test,
                                         metrics: [.auc, .f1], cutoffs: [2])
        var result = try run(evaluator, table: [[0.4, 0.9, 0.1, 0.3]])
        #expect(result.perUser == [[0], [0]])
        #expect(result.gauc == 0)
        evaluator = RankingEvaluator(train: try Tiny.matrix([(0, 1), (0, 2)], rows: 1, columns: 4), test: test,
                                     metrics: [.auc], cutoffs: [2])
        result = try run(evaluator, table: [[0.4, 0.9, 0.1, 0.3]])
        #expect(result.perUser == [[0]])
        // Every unmasked candidate relevant: train {0}, test {1, 2, 3} → N empty → AUC = 1.
        evaluator = RankingEvaluator(train: try Tiny.matrix([(0, 0)], rows: 1, columns: 4),
                                     test: try Tiny.matrix([(0, 1), (0, 2), (0, 3)], rows: 1, columns: 4),
                                     metrics: [.auc], cutoffs: [2])
        result = try run(evaluator, table: [[0.4, 0.9, 0.1, 0.3]])
        #expect(result.perUser == [[1]])
    }

    @Test("NaN: the first NaN of a row (masked items included) and the first user, serial or parallel")
    func nanMessages() throws {
        // 3 users × 40 items; every user's test item is 39 and train item is 0.
        // User 1 has NaN at items 0 (masked) and 30; user 2 at item 37 (in the tail after 2 chunks).
        let train = try Tiny.matrix([(0, 0), (1, 0), (2, 0)], rows: 3, columns: 40)
        let test = try Tiny.matrix([(0, 39), (1, 39), (2, 39)], rows: 3, columns: 40)
        var table = [[Float]](repeating: (0..<40).map { Float($0) / 40 }, count: 3)
        table[1][0] = .nan
        table[1][30] = .nan
        table[2][37] = .nan
        for threads in [1, 2] {
            var evaluator = RankingEvaluator(train: train, test: test, metrics: [.ndcg], cutoffs: [5])
            evaluator.threadCount = threads
            let first = #expect(throws: EvaluationError.self) { _ = try run(evaluator, table: table) }
            #expect(first?.message == "the model scored item 0 as NaN for user 1")
            var onlyTail = table
            onlyTail[1] = table[0]
            let tail = #expect(throws: EvaluationError.self) { _ = try run(evaluator, table: onlyTail) }
            #expect(tail?.message == "the model scored item 37 as NaN for user 2")
        }
    }
}

// MARK: - fast paths against the reference implementations

@Suite("Evaluator fast paths")
struct EvaluatorFastPathTests {
    @Test("one-pass top-K = TopK.select on the masked row (ties, −∞, masks, short rows, every k)")
    func topKMatchesReference() {
        var generator = SeededGenerator(seed: 4_242)
        var heap: [(score: Float, index: Int32)] = []
        for trial in 0..<400 {
            let count = trial % 97
            // Few distinct values → many ties; some −∞ from the "model".
            var row = (0..<count).map { _ in Float(generator.nextInt(below: 6)) / 4 }
            for i in row.indices where generator.nextInt(below: 10) == 0 { row[i] = -.infinity }
            let masked = (0..<count).map { _ in generator.nextInt(below: 5) == 0 }
            var maskedRow = row
            for i in row.indices where masked[i] { maskedRow[i] = -.infinity }
            for k in [0, 1, 2, 5, 20, 100] {
                let want = maskedRow.withUnsafeBufferPointer { TopK.select($0, k: k) }
                let got = row.withUnsafeBufferPointer { scores in
                    masked.withUnsafeBufferPointer { SIMDScan.topK(scores, k: k, masked: $0, heap: &heap) }
                }
                #expect(got.firstNaN == nil)
                #expect(got.ranked == want, "trial \(trial), k \(k)")
            }
        }
    }

    @Test("one-pass NaN check finds the first NaN, masked or not, at any position")
    func nanPositions() {
        var heap: [(score: Float, index: Int32)] = []
        for count in [1, 15, 16, 17, 40, 64] {
            for position in [0, count / 2, count - 1] {
                var row = (0..<count).map { Float($0) }
                row[position] = .nan
                if position + 1 < count { row[count - 1] = .nan }   // a later NaN too
                let masked = (0..<count).map { $0 == position }
                for k in [0, 3] {
                    let got = row.withUnsafeBufferPointer { scores in
                        masked.withUnsafeBufferPointer { SIMDScan.topK(scores, k: k, masked: $0, heap: &heap) }
                    }
                    #expect(got.firstNaN == position, "count \(count), NaN at \(position), k \(k)")
                }
            }
        }
    }

    @Test("two or three threads and any block size give bit-identical results to the serial path")
    func parallelIsBitIdentical() throws {
        // 150 users × 300 items; per user ~10% training, ~5% test items (some users none);
        // scores in steps of 1/16 (many ties).
        var generator = SeededGenerator(seed: 77)
        let userCount = 150, itemCount = 300
        var trainEntries: [(Int32, Int32)] = [], testEntries: [(Int32, Int32)] = []
        for u in 0..<userCount {
            for i in 0..<itemCount {
                let r = generator.nextDouble()
                if r < 0.1 { trainEntries.append((Int32(u), Int32(i))) } else if r < 0.15 && u % 11 != 3 { testEntries.append((Int32(u), Int32(i))) }
            }
        }
        let train = try Tiny.matrix(trainEntries, rows: userCount, columns: itemCount)
        let test = try Tiny.matrix(testEntries, rows: userCount, columns: itemCount)
        let table = (0..<userCount).map { _ in (0..<itemCount).map { _ in Float(generator.nextInt(below: 16)) / 16 } }
        func evaluate(threads: Int, blockSize: Int) throws -> RankingEvaluator.Result {
            var evaluator = RankingEvaluator(train: train, test: test, metrics: RankingMetric.allCases, cutoffs: [1, 5, 10, 20])
            evaluator.threadCount = threads
            evaluator.blockSize = blockSize
            evaluator.keepLists = true
            return try run(evaluator, table: table)
        }
        let serial = try evaluate(threads: 1, blockSize: 256)
        #expect(serial.users.count == userCount - 14)   // users 3, 14, …, 146 (u % 11 == 3) have no test items
        // The serial path agrees with the reference TopK.select lists.
        for (u, user) in serial.users.enumerated() {
            var row = table[Int(user)]
            for item in train.columns(of: Int(user)) { row[Int(item)] = -.infinity }
            #expect(serial.lists?[u] == row.withUnsafeBufferPointer { TopK.select($0, k: 20) })
        }
        for (threads, blockSize) in [(2, 256), (2, 7), (3, 16), (2, 1)] {
            let parallel = try evaluate(threads: threads, blockSize: blockSize)
            #expect(parallel.keys == serial.keys)
            #expect(parallel.users == serial.users)
            #expect(parallel.perUser.map { $0.map(\.bitPattern) } == serial.perUser.map { $0.map(\.bitPattern) })
            #expect(parallel.means.map(\.bitPattern) == serial.means.map(\.bitPattern))
            #expect(parallel.gauc?.bitPattern == serial.gauc?.bitPattern)
            #expect(parallel.lists == serial.lists)
        }
    }
}
