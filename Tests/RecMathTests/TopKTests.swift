import Testing
import RecMath

// Hand-worked tests of TopK.select and TopK.firstNaN against the v1 rule (DESIGN v1, §7):
// higher score first; equal scores by ascending item index; −∞ is never selected (so the list may
// be shorter than k); NaN is the caller's to reject.

private func select(_ scores: [Float], k: Int) -> [Int32] {
    scores.withUnsafeBufferPointer { TopK.select($0, k: k) }
}

private func firstNaN(_ scores: [Float]) -> Int? {
    scores.withUnsafeBufferPointer { TopK.firstNaN($0) }
}

/// The reference: a plain full sort of every non-−∞ entry by (score descending, index ascending),
/// then the first k.
private func referenceTopK(_ scores: [Float], k: Int) -> [Int32] {
    let kept = scores.indices.filter { scores[$0] != -.infinity }
    let sorted = kept.sorted { a, b in
        scores[a] > scores[b] || (scores[a] == scores[b] && a < b)
    }
    return sorted.prefix(max(k, 0)).map { Int32($0) }
}

@Suite("TopK.select")
struct TopKSelectTests {
    @Test("distinct scores come out best first")
    func distinctScores() {
        //            index:  0    1    2    3    4
        let scores: [Float] = [0.2, 0.9, 0.4, 0.7, 0.1]
        // Descending: 0.9 (1), 0.7 (3), 0.4 (2), 0.2 (0), 0.1 (4).
        #expect(select(scores, k: 1) == [1])
        #expect(select(scores, k: 3) == [1, 3, 2])
        #expect(select(scores, k: 5) == [1, 3, 2, 0, 4])
    }

    @Test("ties are broken by ascending item index")
    func tiesByIndex() {
        //            index:  0    1    2    3    4
        let scores: [Float] = [0.5, 0.9, 0.5, 0.9, 0.1]
        // 0.9 at {1, 3} → 1, 3; then 0.5 at {0, 2} → 0, 2; then 0.1 → 4.
        #expect(select(scores, k: 3) == [1, 3, 0])
        #expect(select(scores, k: 2) == [1, 3])
        #expect(select(scores, k: 4) == [1, 3, 0, 2])
        #expect(select(scores, k: 5) == [1, 3, 0, 2, 4])

        // All equal: pure index order.
        #expect(select([1, 1, 1, 1], k: 2) == [0, 1])
        #expect(select([1, 1, 1, 1], k: 4) == [0, 1, 2, 3])

        // A tie at the boundary of k: later equal entries must not displace earlier ones.
        //          index: 0    1    2    3    4    5
        let boundary: [Float] = [0, 0.5, 0.5, 0.5, 0.5, 1]
        // 1.0 (5), then the 0.5s in index order 1, 2, 3, 4, then 0.0 (0).
        #expect(select(boundary, k: 2) == [5, 1])
        #expect(select(boundary, k: 3) == [5, 1, 2])
        // Equal entries arriving in descending index order still come out ascending.
        #expect(select([0.3, 0.3, 0.3, 0.9, 0.3], k: 3) == [3, 0, 1])

        // +0 and −0 are the same score (IEEE equality), so the index decides.
        #expect(select([0.0, -0.0], k: 2) == [0, 1])
        #expect(select([-0.0, 0.0], k: 2) == [0, 1])
    }

    @Test("−∞ entries are never selected, so the list can be shorter than k")
    func negativeInfinitySkipped() {
        let ninf = -Float.infinity
        //             index: 0     1    2     3
        let scores: [Float] = [ninf, 0.3, ninf, 0.1]
        // Only 1 (0.3) and 3 (0.1) are candidates.
        #expect(select(scores, k: 1) == [1])
        #expect(select(scores, k: 3) == [1, 3])
        #expect(select([ninf, ninf, ninf], k: 2) == [])
        // The smallest finite Float is a real score, not a mask.
        //                     index: 0     1                             2
        #expect(select([ninf, -Float.greatestFiniteMagnitude, ninf], k: 3) == [1])
        // A masked item with a tie partner: the −∞ one is skipped, not tie-broken.
        #expect(select([ninf, 0.5, 0.5], k: 3) == [1, 2])
    }

    @Test("k larger than the number of candidates returns all of them, sorted")
    func kLargerThanCandidates() {
        // 0.3 (1), 0.2 (2), 0.1 (0).
        #expect(select([0.1, 0.3, 0.2], k: 10) == [1, 2, 0])
        #expect(select([0.1, 0.3, 0.2], k: 3) == [1, 2, 0])
        #expect(select([], k: 5) == [])
    }

    @Test("k = 0 selects nothing")
    func kZero() {
        #expect(select([0.1, 0.3, 0.2], k: 0) == [])
        #expect(select([], k: 0) == [])
    }

    @Test("negative and infinite scores order like any others")
    func negativeScores() {
        //             index:  0     1     2     3
        let scores: [Float] = [-0.5, -0.1, -3.0, -0.1]
        // −0.1 at {1, 3} → 1, 3; then −0.5 (0); then −3.0 (2).
        #expect(select(scores, k: 3) == [1, 3, 0])
        #expect(select(scores, k: 4) == [1, 3, 0, 2])
        // +∞ is the best possible score; −∞ is a mask.
        //                index: 0   1          2   3
        #expect(select([-2, .infinity, -1, -.infinity], k: 4) == [1, 2, 0])
        // Mixed signs: 2.5 (2), 0 (0), −1 (3), −7 (1).
        #expect(select([0, -7, 2.5, -1], k: 4) == [2, 0, 3, 1])
    }

    @Test("agrees with a full sort on seeded random data", arguments: [UInt64(1), 2, 3, 42, 2024])
    func randomAgainstFullSort(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for round in 0..<20 {
            let count = 1 + generator.nextInt(below: 400)
            var scores = [Float](repeating: 0, count: count)
            for i in 0..<count {
                switch generator.nextInt(below: 10) {
                case 0:
                    scores[i] = -.infinity  // ~10% masked
                case 1, 2, 3, 4:
                    // Coarse grid in [−2, 2): many exact ties, half of them negative.
                    scores[i] = Float(generator.nextInt(below: 16)) / 4 - 2
                default:
                    scores[i] = generator.nextFloat() * 2 - 1
                }
            }
            let candidates = scores.filter { $0 != -.infinity }.count
            for k in [1, 2, 7, count / 2, count, count + 3, 1 + generator.nextInt(below: count)] {
                let got = select(scores, k: k)
                let want = referenceTopK(scores, k: k)
                #expect(got == want, "seed \(seed) round \(round) n=\(count) k=\(k)")
                #expect(got.count == min(k, candidates))
            }
        }
    }
}

@Suite("TopK.firstNaN")
struct TopKFirstNaNTests {
    @Test("finds the first NaN, ignores infinities")
    func firstNaNCases() {
        #expect(firstNaN([1, .nan, 2, .nan]) == 1)
        #expect(firstNaN([.nan]) == 0)
        #expect(firstNaN([0, 1, 2, .signalingNaN]) == 3)
        #expect(firstNaN([-.nan, .nan]) == 0)
        #expect(firstNaN([1, 2, 3]) == nil)
        #expect(firstNaN([.infinity, -.infinity, 0, -0.0]) == nil)
        #expect(firstNaN([]) == nil)
    }
}
