import Testing
@testable import RecEval
import RecMath

@Suite struct EvaluationSlicesTests {
    @Test func bucketsAndLabels() {
        let buckets = SliceBuckets(edges: [1, 5, 20])
        #expect([0, 1, 4, 5, 19, 20, 1000].map(buckets.bucket(of:)) == [0, 1, 1, 2, 2, 3, 3])
        #expect((0..<4).map(buckets.label) == ["0", "1–4", "5–19", "≥20"])
        #expect(SliceBuckets(edges: [1, 2]).label(1) == "1")
    }

    /// Worked by hand. Train: user 0 {} (cold start), user 1 {0, 1}, user 2 {0, 1, 2, 3, 4}, user 3 {0};
    /// so item popularity c = 3, 2, 1, 1, 1, 0. Test: u0 {1, 5}, u1 {2, 5}, u2 {5}, u3 {2, 3, 4}.
    /// Lists: u0 [0, 5], u1 [3, 2], u2 [5], u3 [2, 5]; per-user recall@2 given as 0.5, 0.5, 1, 1/3.
    ///
    /// User activity, edges [1, 5]: "0" = {u0} → 0.5; "1–4" = {u1 (2), u3 (1)} → (0.5 + 1/3)/2 = 5/12;
    /// "≥5" = {u2} → 1.
    /// Item popularity, edges [1, 3]: item 5 in "0", items 1–4 in "1–2", item 0 in "≥3" (no test item).
    ///   "0": u0 {5}: list[:2] hits 5 → 1, list[:1] misses → 0; u1 {5}: 0, 0; u2 {5}: 1, 1.
    ///        recall@2 = hr@2 = 2/3, recall@1 = hr@1 = 1/3.
    ///   "1–2": u0 {1}: 0, 0; u1 {2}: [3, 2] → 1, [3] → 0; u3 {2, 3, 4}: [2, 5] → 1/3, [2] → 1/3.
    ///        recall@2 = (0 + 1 + 1/3)/3 = 4/9, hr@2 = 2/3; recall@1 = (1/3)/3 = 1/9, hr@1 = 1/3.
    @Test func handWorkedSlices() throws {
        func matrix(_ rows: [[Int32]]) throws -> CSRMatrix {
            let r = rows.enumerated().flatMap { u, items in items.map { _ in Int32(u) } }
            return try CSRMatrix(rowCount: rows.count, columnCount: 6, rows: r, columns: rows.flatMap { $0 },
                                 values: [Float](repeating: 1, count: r.count))
        }
        let train = try matrix([[], [0, 1], [0, 1, 2, 3, 4], [0]])
        let test = try matrix([[1, 5], [2, 5], [5], [2, 3, 4]])
        let result = RankingEvaluator.Result(keys: [MetricKey(.recall, 2)], users: [0, 1, 2, 3], perUser: [[0.5, 0.5, 1, 1.0 / 3]],
                                             means: [7.0 / 12], lists: [[0, 5], [3, 2], [5], [2, 5]])
        let users = EvaluationSlices.byUserActivity(result: result, train: train, buckets: SliceBuckets(edges: [1, 5]))
        #expect(users.map(\.bucket) == ["0", "1–4", "≥5"])
        #expect(users.map(\.users) == [1, 2, 1])
        for (value, expected) in zip(users.map(\.value), [0.5, 5.0 / 12, 1]) { #expect(abs(value - expected) < 1e-12) }
        #expect(users.allSatisfy { $0.dimension == "user-activity" && $0.metric == "recall" && $0.cutoff == 2 })

        let items = EvaluationSlices.byItemPopularity(result: result, train: train, test: test, buckets: SliceBuckets(edges: [1, 3]),
                                                      cutoffs: [2, 1])
        let expected: [String: Double] = [
            "0 recall@1": 1.0 / 3, "0 hr@1": 1.0 / 3, "0 recall@2": 2.0 / 3, "0 hr@2": 2.0 / 3,
            "1–2 recall@1": 1.0 / 9, "1–2 hr@1": 1.0 / 3, "1–2 recall@2": 4.0 / 9, "1–2 hr@2": 2.0 / 3,
        ]
        #expect(items.count == expected.count, "bucket ≥3 has no test item and is left out")
        for value in items {
            let name = "\(value.bucket) \(value.metric)@\(value.cutoff)"
            #expect(abs(value.value - expected[name]!) < 1e-12, "\(name): \(value.value)")
            #expect(value.users == 3 && value.dimension == "item-popularity")
        }
    }
}
