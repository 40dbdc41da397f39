import Foundation
import Testing
@testable import RecEval
import RecMath

// The sampled ranking protocol: the negative sampler's guarantees and the sampled evaluator's
// metrics on hand-worked examples (docs/metrics.md, "Protocol sampled").

private func matrix(_ rows: [[Int32]], items: Int) throws -> CSRMatrix {
    var r: [Int32] = [], c: [Int32] = []
    for (user, columns) in rows.enumerated() {
        for column in columns {
            r.append(Int32(user))
            c.append(column)
        }
    }
    return try CSRMatrix(rowCount: rows.count, columnCount: items, rows: r, columns: c, values: [Float](repeating: 1, count: r.count))
}

@Suite struct NegativeSamplerTests {
    @Test func aUserWithFewerCandidatesThanNGetsThemAll() throws {
        // 6 items; user 0 trains on {0, 1} and tests on {2}: the candidates are {3, 4, 5}.
        // User 1 trains on {5} and tests on {0, 1, 2, 3, 4}: no candidate at all.
        let train = try matrix([[0, 1], [5]], items: 6)
        let test = try matrix([[2], [0, 1, 2, 3, 4]], items: 6)
        for sampler in SampledProtocol.Sampler.allCases {
            let drawn = NegativeSampler.sample(SampledProtocol(negatives: 10, sampler: sampler, seed: 3), mask: train, test: test,
                                               itemWeights: [5, 4, 3, 0, 2, 1])
            #expect(drawn.users == [0, 1])
            #expect(Array(drawn.negatives(at: 0)) == [3, 4, 5], "\(sampler)")
            #expect(drawn.negatives(at: 1).isEmpty, "\(sampler)")
            #expect(drawn.protocolName == "sampled:\(sampler.rawValue)-10")
        }
    }

    @Test func popularityTakesPositiveWeightsFirstThenZeroWeightsUniformly() throws {
        // Candidates {1, 2, 3, 4, 5} of user 0; weights: items 1 and 2 positive, 3, 4, 5 zero.
        // N = 3: both positive-weight items, then one of the three zero-weight items.
        let train = try matrix([[]], items: 6)
        let test = try matrix([[0]], items: 6)
        var zeroPicks = [Int32: Int]()
        for seed in 0..<300 {
            let drawn = NegativeSampler.sample(SampledProtocol(negatives: 3, sampler: .popularity, seed: UInt64(seed)), mask: train,
                                               test: test, itemWeights: [9, 2, 7, 0, 0, 0])
            let list = Array(drawn.negatives(at: 0))
            #expect(list.count == 3 && list[0] == 1 && list[1] == 2)
            zeroPicks[list[2], default: 0] += 1
        }
        // Each zero-weight item: 100 expected of 300 (sd ≈ 8.2); allow ±4 sd.
        for item: Int32 in [3, 4, 5] { #expect(abs(zeroPicks[item, default: 0] - 100) <= 33, "item \(item): \(zeroPicks[item, default: 0])") }
    }

    @Test func negativesAreNeverPositiveOrMaskedNeverRepeatedAndExactlyNWhenPossible() throws {
        // 40 users × 60 items: random train/test rows (some users dense, so that both the
        // rejection and the list paths of each sampler run).
        var generator = SeededGenerator(seed: 77)
        var trainRows: [[Int32]] = [], testRows: [[Int32]] = []
        for user in 0..<40 {
            let density = user % 4 == 0 ? 0.85 : 0.15
            var train: [Int32] = [], test: [Int32] = []
            for item in 0..<60 {
                let r = generator.nextDouble()
                if r < density * 0.8 { train.append(Int32(item)) } else if r < density { test.append(Int32(item)) }
            }
            if test.isEmpty && user != 5 { test.append(train.isEmpty ? 0 : (0..<60).map(Int32.init).first { !train.contains($0) }!) }
            trainRows.append(train)
            testRows.append(user == 5 ? [] : test)
        }
        let train = try matrix(trainRows, items: 60), test = try matrix(testRows, items: 60)
        let weights = (0..<60).map { $0 % 7 == 0 ? 0 : ($0 * 13) % 11 + 1 }
        for sampler in SampledProtocol.Sampler.allCases {
            let settings = SampledProtocol(negatives: 20, sampler: sampler, seed: 11)
            let drawn = NegativeSampler.sample(settings, mask: train, test: test, itemWeights: weights)
            #expect(!drawn.users.contains(5), "a user without test items is not evaluated")
            for (k, user) in drawn.users.enumerated() {
                let list = Array(drawn.negatives(at: k))
                let excluded = Set(trainRows[Int(user)] + testRows[Int(user)])
                let available = 60 - excluded.count
                #expect(list.count == min(20, available), "\(sampler) user \(user)")
                #expect(list.allSatisfy { !excluded.contains($0) }, "\(sampler) user \(user): a positive or masked item")
                #expect(list == list.sorted() && Set(list).count == list.count, "\(sampler) user \(user): sorted, no duplicates")
            }
            // Deterministic per seed; another seed draws something else.
            let again = NegativeSampler.sample(settings, mask: train, test: test, itemWeights: weights)
            #expect(again == drawn && again.canonicalBytes == drawn.canonicalBytes)
            let other = NegativeSampler.sample(SampledProtocol(negatives: 20, sampler: sampler, seed: 12), mask: train, test: test,
                                               itemWeights: weights)
            #expect(other.negatives != drawn.negatives)
        }
    }

    @Test func aUsersNegativesDependOnlyOnTheSeedAndTheUsersOwnRows() throws {
        // The same user row in a 1-user and a 3-user problem draws the same negatives: one stream per user.
        let alone = NegativeSampler.sample(SampledProtocol(negatives: 4, sampler: .uniform, seed: 5),
                                           mask: try matrix([[], [], [1, 2]], items: 30), test: try matrix([[], [], [3]], items: 30),
                                           itemWeights: [Int](repeating: 1, count: 30))
        let crowd = NegativeSampler.sample(SampledProtocol(negatives: 4, sampler: .uniform, seed: 5),
                                           mask: try matrix([[0], [4, 5, 6], [1, 2]], items: 30),
                                           test: try matrix([[7], [8, 9], [3]], items: 30), itemWeights: [Int](repeating: 1, count: 30))
        #expect(Array(alone.negatives(at: 0)) == Array(crowd.negatives(at: 2)))
    }

    /// Frequencies of the popularity sampler against the law of successive weighted draws, on a fixed
    /// seed. Candidates 1…5 with weights 1, 2, 3, 4, 0 (item 0 is the test item).
    /// N = 1: P(i) = w_i / 10. N = 2: P(i ∈ S) = p_i + Σ_{j≠i} p_j · p_i / (1 − p_j).
    /// 20,000 users with identical rows; each frequency must lie within 4.5 standard errors.
    @Test(arguments: [1, 100])
    func popularityFrequenciesFollowTheWeights(testItemWeight: Int) throws {
        // Weight 1 on the test item keeps the rejection path; weight 100 (most of the catalogue's
        // weight excluded) sends the draws through exponential keys.
        let users = 20_000
        let train = try matrix([[Int32]](repeating: [], count: users), items: 6)
        let test = try matrix([[Int32]](repeating: [0], count: users), items: 6)
        let weights = [testItemWeight, 1, 2, 3, 4, 0]
        let p: [Double] = [0, 0.1, 0.2, 0.3, 0.4, 0]
        for n in [1, 2] {
            let drawn = NegativeSampler.sample(SampledProtocol(negatives: n, sampler: .popularity, seed: 2024), mask: train, test: test,
                                               itemWeights: weights)
            var counts = [Int](repeating: 0, count: 6)
            for item in drawn.negatives { counts[Int(item)] += 1 }
            #expect(drawn.negatives.count == users * n)
            #expect(counts[0] == 0 && counts[5] == 0, "the test item and the zero-weight item are never drawn while others remain")
            for i in 1...4 {
                let expected = n == 1 ? p[i] : p[i] + (1...4).filter { $0 != i }.map { p[$0] * p[i] / (1 - p[$0]) }.reduce(0, +)
                let mean = Double(users) * expected
                let sd = (Double(users) * expected * (1 - expected)).squareRoot()
                #expect(abs(Double(counts[i]) - mean) <= 4.5 * sd, "N = \(n), item \(i): \(counts[i]) drawn, \(mean) expected")
            }
        }
    }

    @Test func uniformFrequenciesAreEqual() throws {
        // 4 candidates, N = 2 (list path) and 60 candidates, N = 3 (rejection path): each candidate
        // is included with probability N / candidates.
        for (items, n) in [(5, 2), (61, 3)] {
            let users = 12_000
            let drawn = NegativeSampler.sample(SampledProtocol(negatives: n, sampler: .uniform, seed: 99),
                                               mask: try matrix([[Int32]](repeating: [], count: users), items: items),
                                               test: try matrix([[Int32]](repeating: [0], count: users), items: items),
                                               itemWeights: [Int](repeating: 1, count: items))
            var counts = [Int](repeating: 0, count: items)
            for item in drawn.negatives { counts[Int(item)] += 1 }
            let q = Double(n) / Double(items - 1)
            let mean = Double(users) * q, sd = (Double(users) * q * (1 - q)).squareRoot()
            #expect(counts[0] == 0)
            for i in 1..<items { #expect(abs(Double(counts[i]) - mean) <= 4.5 * sd, "\(items) items, item \(i): \(counts[i])") }
        }
    }
}

@Suite struct SampledRankingEvaluatorTests {
    /// Worked by hand (docs/metrics.md):
    ///
    /// User 0: train {0}, test {2, 5}, negatives {1, 3, 7}; scores 0.9 0.8 0.5 0.5 0.1 0.3 0.7 0.5.
    /// Candidates 2 (0.5), 5 (0.3) | 1 (0.8), 3 (0.5), 7 (0.5) — items 0 (masked) and 6 (0.7, not a
    /// candidate) are out. Ranking: 1, then 2, 3, 7 tied at 0.5 by index, then 5: h = 0 1 0 0 1.
    ///   K = 2: P = 1/2, R = 1/2, NDCG = (1/log2 3)/(1 + 1/log2 3), MRR = 1/2, AP = (1/2)/2 = 1/4.
    ///   K = 5: P = 2/5, R = 1, NDCG = (1/log2 3 + 1/log2 6)/(1 + 1/log2 3), AP = (1/2 + 2/5)/2 = 0.45.
    ///   AUC: 0.5 vs (0.8, 0.5, 0.5) = 0 + ½ + ½; 0.3 vs all = 0 → 1/6.
    /// User 1: train {1, 2}, test {1, 6} (item 1 is masked, so only 6 is a candidate positive;
    /// |T| stays 2), negatives {0}; scores 0.2 0.9 0.9 0 0 0 0.1 0. Ranking 0, 6: h = 0 1.
    ///   K = 2: P = 1/2, R = 1/2, NDCG = (1/log2 3)/(1 + 1/log2 3), MRR = 1/2, AP = (1/2)/2 = 1/4.
    ///   K = 5: P = 1/5, R = 1/2, NDCG as at K = 2, AP = (1/2)/min(2, 5) = 1/4. AUC: 0.1 < 0.2 → 0.
    @Test func handWorkedUsersWithTiesAndAMaskedTestItem() throws {
        let train = try matrix([[0], [1, 2]], items: 8)
        let test = try matrix([[2, 5], [1, 6]], items: 8)
        let candidates = SampledCandidates(protocolName: "sampled:uniform-3", seed: 0, users: [0, 1], offsets: [0, 3, 4],
                                           negatives: [1, 3, 7, 0])
        let rows: [[Float]] = [[0.9, 0.8, 0.5, 0.5, 0.1, 0.3, 0.7, 0.5], [0.2, 0.9, 0.9, 0, 0, 0, 0.1, 0]]
        let evaluator = SampledRankingEvaluator(mask: train, test: test, candidates: candidates,
                                                metrics: [.precision, .recall, .ndcg, .map, .mrr, .hr, .auc], cutoffs: [2, 5])
        let result = try evaluator.evaluate { users, out in
            for (row, user) in users.enumerated() { for i in 0..<8 { out[row * 8 + i] = rows[Int(user)][i] } }
        }
        let l3 = 1 / log2(3.0), l6 = 1 / log2(6.0)
        let expected: [MetricKey: [Double]] = [
            MetricKey(.precision, 2): [0.5, 0.5], MetricKey(.precision, 5): [0.4, 0.2],
            MetricKey(.recall, 2): [0.5, 0.5], MetricKey(.recall, 5): [1, 0.5],
            MetricKey(.ndcg, 2): [l3 / (1 + l3), l3 / (1 + l3)], MetricKey(.ndcg, 5): [(l3 + l6) / (1 + l3), l3 / (1 + l3)],
            MetricKey(.map, 2): [0.25, 0.25], MetricKey(.map, 5): [0.45, 0.25],
            MetricKey(.mrr, 2): [0.5, 0.5], MetricKey(.mrr, 5): [0.5, 0.5],
            MetricKey(.hr, 2): [1, 1], MetricKey(.hr, 5): [1, 1],
            MetricKey(.auc, 0): [1.0 / 6, 0],
        ]
        #expect(result.users == [0, 1])
        #expect(Set(result.keys) == Set(expected.keys))
        for (k, key) in result.keys.enumerated() {
            let want = expected[key]!
            for u in 0..<2 { #expect(abs(result.perUser[k][u] - want[u]) < 1e-12, "\(key) user \(u): \(result.perUser[k][u]) vs \(want[u])") }
            #expect(abs(result.means[k] - (want[0] + want[1]) / 2) < 1e-12)
        }
        // GAUC weights by |T(u)| = 2, 2.
        #expect(abs(result.gauc! - (1.0 / 6) / 2) < 1e-12)
    }

    @Test func aNaNCandidateScoreFailsNamingUserAndItem() throws {
        let train = try matrix([[]], items: 3), test = try matrix([[0]], items: 3)
        let candidates = SampledCandidates(protocolName: "sampled:uniform-1", seed: 0, users: [0], offsets: [0, 1], negatives: [2])
        let evaluator = SampledRankingEvaluator(mask: train, test: test, candidates: candidates, metrics: [.ndcg], cutoffs: [1])
        #expect(throws: EvaluationError.self) {
            _ = try evaluator.evaluate { _, out in out[0] = 1; out[1] = 0; out[2] = .nan }
        }
        // A NaN outside the candidates is not read.
        let fine = try evaluator.evaluate { _, out in out[0] = 1; out[1] = .nan; out[2] = 0 }
        #expect(fine.means == [1])
    }
}
