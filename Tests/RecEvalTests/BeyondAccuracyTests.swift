import Foundation
import Testing
@testable import RecEval
import RecMath

// Hand-worked tests of the beyond-accuracy metrics (docs/metrics.md, "v1 additions"):
//
//   coverage@K = |∪_u L_K(u)| / n
//   gini@K     = Σ_{j=1..n} (2j − n − 1) x_(j) / (n Σ x),  x = per-item recommendation counts, ascending
//   novelty@K  = mean_u mean_{i∈L_K(u)} −log2(max(c_i, 1) / U_train)
//   arp@K      = mean_u mean_{i∈L_K(u)} c_i
//   ild@K      = mean over users with ≥ 2 items of the mean pairwise Jaccard distance of genre sets
//
// Expected values are exact fractions worked out in the comments, never copied from a run.

private let tolerance = 1e-12

private func expectClose(_ got: Double?, _ want: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let got else {
        Issue.record("\(what): missing", sourceLocation: sourceLocation)
        return
    }
    #expect(abs(got - want) < tolerance, "\(what): got \(got), want \(want)", sourceLocation: sourceLocation)
}

/// n = 5 items, U_train = 8, c = [8, 4, 2, 1, 0].
/// Self-information −log2(max(c_i, 1)/8): item 0: −log2(1) = 0; item 1: −log2(1/2) = 1; item 2: 2;
/// item 3: 3; item 4 (never in training, counted as c = 1): 3.
/// Genres: 0 {A, B}, 1 {B, C}, 2 {A}, 3 {}, 4 {} (none).
/// Lists: u0 [0, 1, 4], u1 [0, 2], u2 [1], u3 [] (every candidate masked).
private enum Five {
    static let counts = [8, 4, 2, 1, 0]
    static let genres: [[String]] = [["A", "B"], ["B", "C"], ["A"], [], []]
    static let lists: [[Int32]] = [[0, 1, 4], [0, 2], [1], []]

    static func measure(cutoff: Int, genres: [[String]]? = Five.genres) -> [String: Double] {
        BeyondAccuracy.measure(lists: lists, cutoff: cutoff, itemCount: 5, trainItemCounts: counts,
                               trainUserCount: 8, itemGenres: genres)
    }
}

@Suite("Beyond-accuracy metrics, by hand")
struct BeyondAccuracyByHandTests {
    @Test("K = 2 on the five-item catalogue")
    func cutoffTwo() {
        // Top 2: u0 [0, 1], u1 [0, 2], u2 [1], u3 [].
        // coverage = |{0, 1, 2}| / 5 = 3/5
        // x = (item 0: 2, item 1: 2, item 2: 1, item 3: 0, item 4: 0) → ascending [0, 0, 1, 2, 2], Σ = 5
        //   (2j − n − 1) for j = 1…5, n = 5: −4, −2, 0, 2, 4
        //   Gini = (−4·0 − 2·0 + 0·1 + 2·2 + 4·2) / (5 · 5) = 12/25
        // novelty: u0 (0 + 1)/2 = 1/2; u1 (0 + 2)/2 = 1; u2 1/1 = 1; u3 skipped → (1/2 + 1 + 1)/3 = 5/6
        // ARP:     u0 (8 + 4)/2 = 6;   u1 (8 + 2)/2 = 5; u2 4/1 = 4 → 15/3 = 5
        // ILD: u0 pair (0, 1): ∩ = {B}, ∪ = {A, B, C} → 1 − 1/3 = 2/3
        //      u1 pair (0, 2): ∩ = {A}, ∪ = {A, B} → 1 − 1/2 = 1/2
        //      u2 (1 item) and u3 (0) skipped → (2/3 + 1/2)/2 = 7/12
        let got = Five.measure(cutoff: 2)
        #expect(Set(got.keys) == ["coverage", "gini", "novelty", "arp", "ild"])
        expectClose(got["coverage"], 3.0 / 5, "coverage@2")
        expectClose(got["gini"], 12.0 / 25, "gini@2")
        expectClose(got["novelty"], 5.0 / 6, "novelty@2")
        expectClose(got["arp"], 5, "arp@2")
        expectClose(got["ild"], 7.0 / 12, "ild@2")
    }

    @Test("K = 3: an item never seen in training, an item without genres")
    func cutoffThree() {
        // Top 3: u0 [0, 1, 4], u1 [0, 2], u2 [1], u3 [].
        // coverage = |{0, 1, 2, 4}| / 5 = 4/5
        // x = (2, 2, 1, 0, 1) → ascending [0, 1, 1, 2, 2], Σ = 6
        //   Gini = (−4·0 − 2·1 + 0·1 + 2·2 + 4·2) / (5 · 6) = 10/30 = 1/3
        // novelty: u0 (0 + 1 + 3)/3 = 4/3 (item 4: c = 0 counts as 1 → −log2(1/8) = 3); u1 1; u2 1
        //          → (4/3 + 1 + 1)/3 = 10/9
        // ARP: u0 (8 + 4 + 0)/3 = 4; u1 5; u2 4 → 13/3
        // ILD: u0 pairs (0,1) 2/3; (0,4): ∩ = {}, ∪ = {A, B} → 1; (1,4): 1 → (2/3 + 1 + 1)/3 = 8/9
        //      u1 1/2 → (8/9 + 1/2)/2 = (25/18)/2 = 25/36
        let got = Five.measure(cutoff: 3)
        expectClose(got["coverage"], 4.0 / 5, "coverage@3")
        expectClose(got["gini"], 1.0 / 3, "gini@3")
        expectClose(got["novelty"], 10.0 / 9, "novelty@3")
        expectClose(got["arp"], 13.0 / 3, "arp@3")
        expectClose(got["ild"], 25.0 / 36, "ild@3")
    }

    @Test("no genres → no ild; two genre-less items are at distance 0; repeated genres are a set")
    func genres() {
        #expect(Five.measure(cutoff: 2, genres: nil)["ild"] == nil)
        // Only u0 [3, 4] qualifies: items 3 and 4 both have no genres → distance 0 → ILD = 0.
        let none = BeyondAccuracy.measure(lists: [[3, 4]], cutoff: 2, itemCount: 5, trainItemCounts: Five.counts,
                                          trainUserCount: 8, itemGenres: Five.genres)
        expectClose(none["ild"], 0, "ild of genre-less items")
        // Item genres {A, A, B} and {B}: sets {A, B} and {B} → 1 − 1/2 = 1/2.
        let repeated = BeyondAccuracy.measure(lists: [[0, 1]], cutoff: 2, itemCount: 2, trainItemCounts: [1, 1],
                                              trainUserCount: 1, itemGenres: [["A", "A", "B"], ["B"]])
        expectClose(repeated["ild"], 1.0 / 2, "ild with a repeated genre")
        // More than 64 distinct genres (two words per bit set): item 0 has g0…g69, item 1 has g65…g69
        // → ∩ = 5, ∪ = 70 → 1 − 5/70 = 13/14.
        let wide = BeyondAccuracy.measure(lists: [[0, 1]], cutoff: 2, itemCount: 2, trainItemCounts: [1, 1],
                                          trainUserCount: 1,
                                          itemGenres: [(0..<70).map { "g\($0)" }, (65..<70).map { "g\($0)" }])
        expectClose(wide["ild"], 13.0 / 14, "ild over 70 genres")
        // No list with two items → ILD over no users = 0.
        let short = BeyondAccuracy.measure(lists: [[0], []], cutoff: 2, itemCount: 5, trainItemCounts: Five.counts,
                                           trainUserCount: 8, itemGenres: Five.genres)
        expectClose(short["ild"], 0, "ild with no qualifying user")
    }

    @Test("Gini extremes: one item gets everything → (n − 1)/n; equal exposure → 0")
    func giniExtremes() {
        // n = 4, every list is [2]: x ascending [0, 0, 0, 3], Σ = 3, coefficients −3, −1, 1, 3
        // → (3·3) / (4·3) = 3/4 = (n − 1)/n
        let all = BeyondAccuracy.measure(lists: [[2], [2], [2]], cutoff: 1, itemCount: 4, trainItemCounts: [1, 1, 1, 1],
                                         trainUserCount: 2)
        expectClose(all["gini"], 3.0 / 4, "gini, one item")
        expectClose(all["coverage"], 1.0 / 4, "coverage, one item")
        // n = 3, lists [0, 1], [2, 0], [1, 2]: x = [2, 2, 2] → (−2 + 0 + 2)·2 / (3·6) = 0
        let equal = BeyondAccuracy.measure(lists: [[0, 1], [2, 0], [1, 2]], cutoff: 2, itemCount: 3,
                                           trainItemCounts: [1, 1, 1], trainUserCount: 2)
        expectClose(equal["gini"], 0, "gini, equal exposure")
        expectClose(equal["coverage"], 1, "coverage, every item")
        // novelty: every c = 1, U_train = 2 → −log2(1/2) = 1 for every item → 1; ARP = 1.
        expectClose(equal["novelty"], 1, "novelty")
        expectClose(equal["arp"], 1, "arp")
    }

    @Test("nothing recommended: every value 0")
    func empty() {
        let got = BeyondAccuracy.measure(lists: [[], []], cutoff: 5, itemCount: 3, trainItemCounts: [1, 2, 3],
                                         trainUserCount: 3, itemGenres: [["A"], ["B"], []])
        #expect(got == ["coverage": 0, "gini": 0, "novelty": 0, "arp": 0, "ild": 0])
    }
}

@Suite("Beyond-accuracy metrics from an evaluation")
struct BeyondAccuracyFromEvaluationTests {
    @Test("trainStatistics: c_i per item and U_train = users with a training item")
    func trainStatistics() throws {
        // 3 users × 4 items; train (0,1), (0,2), (2,2): c = [0, 1, 2, 0]; user 1 has no training row → U_train = 2.
        let train = try CSRMatrix(rowCount: 3, columnCount: 4, rows: [0, 0, 2], columns: [1, 2, 2], values: [1, 1, 1])
        let (counts, users) = BeyondAccuracy.trainStatistics(train)
        #expect(counts == [0, 1, 2, 0])
        #expect(users == 2)
    }

    @Test("the kept lists of the hand-made 4 × 6 evaluation, K = 1 and 3")
    func fromResult() throws {
        // The 4 users × 6 items of RankingMetricsByHandTests: train (0,0), (0,3), (1,5), (2,1), (2,2), (3,4)
        // → c_i = 1 for every item, U_train = 4 → self-information −log2(1/4) = 2 for every item.
        // Lists of the evaluated users 0, 2, 3 (worked out there): [2, 4, 1], [3, 4, 5], [0, 5, 2].
        // K = 1: [2], [3], [0] → coverage 3/6 = 1/2; x ascending [0, 0, 0, 1, 1, 1], Σ = 3,
        //        coefficients (n = 6) −5, −3, −1, 1, 3, 5 → (1 + 3 + 5) / (6·3) = 9/18 = 1/2;
        //        novelty 2; ARP 1.
        // K = 3: items 0…5 all listed → coverage 1; x: item 0: 1, 1: 1, 2: 2, 3: 1, 4: 2, 5: 2
        //        → ascending [1, 1, 1, 2, 2, 2], Σ = 9 → (−5 − 3 − 1 + 2 + 6 + 10) / (6·9) = 9/54 = 1/6;
        //        novelty 2; ARP 1.
        let entries: ([(Int32, Int32)]) throws -> CSRMatrix = { pairs in
            try CSRMatrix(rowCount: 4, columnCount: 6, rows: pairs.map(\.0), columns: pairs.map(\.1),
                          values: [Float](repeating: 1, count: pairs.count))
        }
        let train = try entries([(0, 0), (0, 3), (1, 5), (2, 1), (2, 2), (3, 4)])
        let test = try entries([(0, 1), (0, 4), (2, 5), (3, 0), (3, 2), (3, 3)])
        let scores: [[Float]] = [
            [0.9, 0.2, 0.5, 0.95, 0.5, 0.1],
            [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
            [0.3, 0.8, 0.7, 0.6, 0.4, 0.4],
            [1.0, 0.0, 0.25, -0.5, 2.0, 1.0],
        ]
        var evaluator = RankingEvaluator(train: train, test: test, metrics: [.ndcg], cutoffs: [3, 1])
        evaluator.keepLists = true
        let result = try evaluator.evaluate(score: { users, out in
            for (row, user) in users.enumerated() { for item in 0..<6 { out[row * 6 + item] = scores[Int(user)][item] } }
        })
        let got = BeyondAccuracy.measure(result: result, train: train, cutoffs: [3, 1])
        #expect(got.map(\.label) == ["coverage@1", "gini@1", "novelty@1", "arp@1",
                                     "coverage@3", "gini@3", "novelty@3", "arp@3"])
        let want: [Double] = [1.0 / 2, 1.0 / 2, 2, 1, 1, 1.0 / 6, 2, 1]
        for (value, expected) in zip(got, want) { expectClose(value.value, expected, value.label) }
        // With genres, ild is reported after arp at each cutoff.
        let genres: [[String]] = [["x"], ["x"], ["y"], ["x", "y"], [], ["y"]]
        // K = 3: u0 [2, 4, 1]: (2,4) {y} vs {} → 1; (2,1) {y} vs {x} → 1; (4,1) → 1 → 1
        //        u2 [3, 4, 5]: (3,4) → 1; (3,5) {x,y} vs {y} → 1 − 1/2 = 1/2; (4,5) → 1 → (5/2)/3 = 5/6
        //        u3 [0, 5, 2]: (0,5) {x} vs {y} → 1; (0,2) → 1; (5,2) {y} vs {y} → 0 → 2/3
        //        ILD@3 = (1 + 5/6 + 2/3) / 3 = (15/6) / 3 = 5/6
        let withGenres = BeyondAccuracy.measure(result: result, train: train, cutoffs: [3], itemGenres: genres)
        #expect(withGenres.map(\.label) == ["coverage@3", "gini@3", "novelty@3", "arp@3", "ild@3"])
        expectClose(withGenres.last?.value, 5.0 / 6, "ild@3")
    }
}
