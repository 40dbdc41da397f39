import Foundation
import RecKit
import RecMath
import Testing

// Hand-worked tests of SparseSimilarity and SparseRowMatrix.
//
// The binary 4 users × 5 items matrix X used throughout:
//
//            i0 i1 i2 i3 i4
//      u0     1  1  ·  1  ·
//      u1     1  ·  1  ·  ·
//      u2     ·  1  1  1  ·
//      u3     1  1  ·  ·  1
//
// Item vectors (columns): i0 = {u0,u1,u3}, i1 = {u0,u2,u3}, i2 = {u1,u2}, i3 = {u0,u2}, i4 = {u3};
// sizes (= squared norms) 3, 3, 2, 2, 1. Co-occurrences: (0,1) 2 [u0,u3], (0,2) 1, (0,3) 1, (0,4) 1,
// (1,2) 1, (1,3) 2 [u0,u2], (1,4) 1, (2,3) 1, (2,4) 0, (3,4) 0.
//
// The independent cross-check: /tmp/sparse/hand.py and hand2.py (numpy 2.4) printed the same values:
//
//     X = np.array([[1,1,0,1,0],[1,0,1,0,0],[0,1,1,1,0],[1,1,0,0,1]], float); I = X.T
//     num = I @ I.T; n = (I**2).sum(1); cos = num / np.sqrt(np.outer(n, n))
//     asym = num / np.outer(n**a, n**(1-a)); jac = num / (c[:,None] + c[None,:] - num) ...

private let binary: [Float] = [
    1, 1, 0, 1, 0,
    1, 0, 1, 0, 0,
    0, 1, 1, 1, 0,
    1, 1, 0, 0, 1,
]

/// The same pattern with rating values.
private let valued: [Float] = [
    5, 3, 0, 1, 0,
    4, 0, 2, 0, 0,
    0, 1, 4, 2, 0,
    3, 5, 0, 0, 1,
]

private func itemVectors(_ dense: [Float]) -> SparseRowMatrix {
    SparseRowMatrix(dense: dense, rowCount: 4, columnCount: 5).transposed()
}

private func similarities(_ dense: [Float], _ measure: SparseSimilarity.Measure, neighbours: Int = .max,
                          shrink: Double = 0, normalize: Bool = false, threads: Int = 1) -> SparseRowMatrix {
    SparseSimilarity.between(rowsOf: itemVectors(dense),
                             options: .init(measure: measure, neighbours: neighbours, shrink: shrink, normalizeRows: normalize),
                             threadCount: threads)
}

/// Every entry of `matrix` against a dense expectation (0 = not stored).
private func expectMatrix(_ matrix: SparseRowMatrix, _ expected: [[Double]], tolerance: Double = 1e-6,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(matrix.rowCount == expected.count, sourceLocation: sourceLocation)
    for (row, values) in expected.enumerated() {
        for (column, value) in values.enumerated() {
            let got = Double(matrix[row, column])
            #expect(abs(got - value) <= tolerance, "(\(row), \(column)): got \(got), want \(value)", sourceLocation: sourceLocation)
        }
        let stored = matrix.range(ofRow: row).map { Int(matrix.indices[$0]) }
        #expect(stored == values.indices.filter { values[$0] != 0 }, "row \(row) stores \(stored)", sourceLocation: sourceLocation)
    }
}

private let r3 = 3.0.squareRoot(), r6 = 6.0.squareRoot()

@Suite("SparseSimilarity measures")
struct SparseSimilarityMeasureTests {
    @Test("cosine: num / (|i| |j|), no diagonal, zero entries not stored")
    func cosine() {
        // e.g. (0,1): 2 / √(3·3) = 2/3; (0,4): 1/√3; (1,3): 2/√6; (2,3): 1/√4 = 1/2; (2,4) = 0.
        expectMatrix(similarities(binary, .cosine), [
            [0, 2.0 / 3, 1 / r6, 1 / r6, 1 / r3],
            [2.0 / 3, 0, 1 / r6, 2 / r6, 1 / r3],
            [1 / r6, 1 / r6, 0, 0.5, 0],
            [1 / r6, 2 / r6, 0.5, 0, 0],
            [1 / r3, 1 / r3, 0, 0, 0],
        ])
    }

    @Test("cosine on rating values")
    func cosineOnValues() {
        // i2 = (u1: 2, u2: 4), i3 = (u0: 1, u2: 2): num = 4·2 = 8, norms² 20 and 5 → 8/√100 = 0.8.
        // i0 = (5, 4, ·, 3), i1 = (3, ·, 1, 5): num = 15 + 15 = 30, norms² 50 and 35 → 30/√1750.
        // i1, i4 = (·, ·, ·, 1): num = 5 → 5/√35. i0, i4: 3/√50. i0, i2: 8/√(50·20) = 8/√1000.
        let s = similarities(valued, .cosine)
        #expect(abs(Double(s[2, 3]) - 0.8) < 1e-6)
        #expect(abs(Double(s[0, 1]) - 30 / 1750.0.squareRoot()) < 1e-6)
        #expect(abs(Double(s[1, 4]) - 5 / 35.0.squareRoot()) < 1e-6)
        #expect(abs(Double(s[0, 4]) - 3 / 50.0.squareRoot()) < 1e-6)
        #expect(abs(Double(s[0, 2]) - 8 / 1000.0.squareRoot()) < 1e-6)
        #expect(s[2, 4] == 0)
    }

    @Test("asymmetric cosine: num / (n_i^α n_j^(1−α)), row i the target; α = ½ is cosine")
    func asymmetric() {
        // α = 0.25, n = 3, 3, 2, 2, 1:
        //   (0,4): 1 / (3^0.25 · 1^0.75) = 0.759836;  (4,0): 1 / (1^0.25 · 3^0.75) = 0.438691
        //   (0,2): 1 / (3^0.25 · 2^0.75) = 0.451801;  (2,0): 1 / (2^0.25 · 3^0.75) = 0.368894
        //   (1,3): 2 / (3^0.25 · 2^0.75) = 0.903602;  (3,1): 2 / (2^0.25 · 3^0.75) = 0.737788
        //   equal sizes are symmetric: (0,1) = 2/3, (2,3) = 1/2
        let s = similarities(binary, .asymmetricCosine(alpha: 0.25))
        let expected: [(Int, Int, Double)] = [
            (0, 4, 1 / pow(3, 0.25)), (4, 0, 1 / pow(3, 0.75)),
            (0, 2, 1 / (pow(3, 0.25) * pow(2, 0.75))), (2, 0, 1 / (pow(2, 0.25) * pow(3, 0.75))),
            (1, 3, 2 / (pow(3, 0.25) * pow(2, 0.75))), (3, 1, 2 / (pow(2, 0.25) * pow(3, 0.75))),
            (0, 1, 2.0 / 3), (2, 3, 0.5),
        ]
        for (i, j, value) in expected { #expect(abs(Double(s[i, j]) - value) < 1e-6, "(\(i), \(j))") }
        #expect(abs(Double(s[4, 0]) - 0.438691) < 1e-6)   // numpy's printed value
        let half = similarities(binary, .asymmetricCosine(alpha: 0.5)), cosine = similarities(binary, .cosine)
        #expect(half.indices == cosine.indices)
        #expect(zip(half.values, cosine.values).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test("jaccard: |i ∩ j| / |i ∪ j| on binarised values")
    func jaccard() {
        // (0,1): 2/(3+3−2) = 1/2; (0,2): 1/(3+2−1) = 1/4; (0,4): 1/(3+1−1) = 1/3; (1,3): 2/(3+2−2) = 2/3;
        // (2,3): 1/(2+2−1) = 1/3.
        let expected: [[Double]] = [
            [0, 0.5, 0.25, 0.25, 1.0 / 3],
            [0.5, 0, 0.25, 2.0 / 3, 1.0 / 3],
            [0.25, 0.25, 0, 1.0 / 3, 0],
            [0.25, 2.0 / 3, 1.0 / 3, 0, 0],
            [1.0 / 3, 1.0 / 3, 0, 0, 0],
        ]
        expectMatrix(similarities(binary, .jaccard), expected)
        // The rating values are ignored.
        expectMatrix(similarities(valued, .jaccard), expected)
    }

    @Test("shrink is added to the denominator")
    func shrink() {
        // cosine, shrink 1: (0,1) 2/(3+1) = 1/2; (0,4) 1/(√3+1); (1,3) 2/(√6+1); (2,3) 1/(2+1).
        // jaccard, shrink 2: (0,1) 2/(4+2) = 1/3; (2,3) 1/(3+2) = 1/5.
        let cosine = similarities(binary, .cosine, shrink: 1)
        #expect(abs(Double(cosine[0, 1]) - 0.5) < 1e-6)
        #expect(abs(Double(cosine[0, 4]) - 1 / (r3 + 1)) < 1e-6)
        #expect(abs(Double(cosine[1, 3]) - 2 / (r6 + 1)) < 1e-6)
        #expect(abs(Double(cosine[2, 3]) - 1.0 / 3) < 1e-6)
        let jaccard = similarities(binary, .jaccard, shrink: 2)
        #expect(abs(Double(jaccard[0, 1]) - 1.0 / 3) < 1e-6)
        #expect(abs(Double(jaccard[2, 3]) - 0.2) < 1e-6)
    }
}

@Suite("SparseSimilarity feature weighting")
struct SparseSimilarityWeightingTests {
    // Documents = items (rows of Xᵀ), terms = users. N = 5; df (items per user) = 3, 2, 3, 3, so
    // idf = ln(5/4), ln(5/3), ln(5/4), ln(5/4) = 0.223144, 0.510826, 0.223144, 0.223144.
    static let idf = [log(5.0 / 4), log(5.0 / 3), log(5.0 / 4), log(5.0 / 4)]

    @Test("TF-IDF: √x · ln(N / (1 + df))")
    func tfidf() throws {
        let weighted = try SparseSimilarity.Weighting.tfidf.apply(to: itemVectors(valued))
        // (i0, u1): √4 · ln(5/3) = 1.021651; (i2, u2): √4 · ln(5/4) = 0.446287; (i1, u3): √5 · ln(5/4) = 0.498964
        #expect(abs(Double(weighted[0, 1]) - 2 * Self.idf[1]) < 1e-6)
        #expect(abs(Double(weighted[0, 1]) - 1.021651) < 1e-6)
        #expect(abs(Double(weighted[2, 2]) - 2 * Self.idf[2]) < 1e-6)
        #expect(abs(Double(weighted[1, 3]) - 5.0.squareRoot() * Self.idf[3]) < 1e-6)
        #expect(weighted.nonZeroCount == 11)
    }

    @Test("BM25: x (k1+1) / (k1 (1 − b + b len/avg) + x) · idf")
    func bm25() throws {
        // Document lengths (item sums) 12, 9, 6, 3, 1; average 31/5 = 6.2. k1 = 1.2, b = 0.75.
        // (i0, u1): 4 · 2.2 / (1.2 · (0.25 + 0.75 · 12/6.2) + 4) · ln(5/3)
        //         = 8.8 / (1.2 · 1.701613 + 4) · 0.510826 = 8.8 / 6.041935 · 0.510826 = 0.744011
        // (i4, u3): 1 · 2.2 / (1.2 · (0.25 + 0.75 · 1/6.2) + 1) · ln(5/4) = 2.2 / 1.445161 · 0.223144 = 0.339696
        let weighted = try SparseSimilarity.Weighting.bm25(k1: 1.2, b: 0.75).apply(to: itemVectors(valued))
        #expect(abs(Double(weighted[0, 1]) - 0.744011) < 1e-6)
        #expect(abs(Double(weighted[4, 3]) - 0.339696) < 1e-6)
        // b = 0 drops the length term: (i0, u1) = 4 · 2.2 / (1.2 + 4) · ln(5/3).
        let flat = try SparseSimilarity.Weighting.bm25(k1: 1.2, b: 0).apply(to: itemVectors(valued))
        #expect(abs(Double(flat[0, 1]) - 8.8 / 5.2 * Self.idf[1]) < 1e-6)
    }

    @Test("cosine on weighted vectors (numpy's values from hand2.py)")
    func cosineOnWeighted() throws {
        let tfidf = SparseSimilarity.between(rowsOf: try SparseSimilarity.Weighting.tfidf.apply(to: itemVectors(valued)),
                                             options: .init(measure: .cosine), threadCount: 1)
        let bm25 = SparseSimilarity.between(rowsOf: try SparseSimilarity.Weighting.bm25(k1: 1.2, b: 0.75).apply(to: itemVectors(valued)),
                                            options: .init(measure: .cosine), threadCount: 1)
        // Printed by hand2.py: cos tfidf (0,1) 0.479776, (0,2) 0.723778, (2,3) 0.429125;
        // cos bm25 (0,1) 0.480399, (0,2) 0.752094, (1,4) 0.707559.
        #expect(abs(Double(tfidf[0, 1]) - 0.479776) < 2e-6)
        #expect(abs(Double(tfidf[0, 2]) - 0.723778) < 2e-6)
        #expect(abs(Double(tfidf[2, 3]) - 0.429125) < 2e-6)
        #expect(abs(Double(bm25[0, 1]) - 0.480399) < 2e-6)
        #expect(abs(Double(bm25[0, 2]) - 0.752094) < 2e-6)
        #expect(abs(Double(bm25[1, 4]) - 0.707559) < 2e-6)
    }

    @Test("negative values are refused by the weightings")
    func negativeRefused() {
        let negative = SparseRowMatrix(dense: [1, -1, 0, 1], rowCount: 2, columnCount: 2)
        #expect(throws: (any Error).self) { try SparseSimilarity.Weighting.tfidf.apply(to: negative) }
        #expect(throws: (any Error).self) { try SparseSimilarity.Weighting.bm25(k1: 1.2, b: 0.75).apply(to: negative) }
    }
}

@Suite("SparseSimilarity pruning and threads")
struct SparseSimilarityPruningTests {
    @Test("top-k keeps the largest values, ties by ascending index")
    func topK() {
        // Cosine rows: 0 → {1: 2/3, 4: 1/√3, 2: 1/√6, 3: 1/√6}; 2 → {3: 1/2, 0: 1/√6, 1: 1/√6};
        // 4 → {0: 1/√3, 1: 1/√3}.
        let two = similarities(binary, .cosine, neighbours: 2)
        expectMatrix(two, [
            [0, 2.0 / 3, 0, 0, 1 / r3],
            [2.0 / 3, 0, 0, 2 / r6, 0],        // 3: 0.816, 0: 0.667 beat 4: 0.577 and 2: 0.408
            [1 / r6, 0, 0, 0.5, 0],            // 0 and 1 tie at 1/√6: 0 wins
            [0, 2 / r6, 0.5, 0, 0],
            [1 / r3, 1 / r3, 0, 0, 0],
        ])
        // k = 3 on row 0: 2 and 3 tie at 1/√6, so 2 is kept.
        let three = similarities(binary, .cosine, neighbours: 3)
        #expect(three.range(ofRow: 0).map { three.indices[$0] } == [1, 2, 4])
        // k = 1 on row 4: 0 and 1 tie at 1/√3, so 0 is kept.
        let one = similarities(binary, .cosine, neighbours: 1)
        #expect(one.range(ofRow: 4).map { one.indices[$0] } == [0])
        #expect(one.nonZeroCount == 5)
    }

    @Test("row normalisation divides each pruned row by its sum")
    func normalizedRows() {
        // Row 2 with k = 2: {0: 1/√6, 3: 1/2}, sum 0.908248 → 0.449490, 0.550510.
        let s = similarities(binary, .cosine, neighbours: 2, normalize: true)
        let sum = 1 / r6 + 0.5
        #expect(abs(Double(s[2, 0]) - (1 / r6) / sum) < 1e-6)
        #expect(abs(Double(s[2, 3]) - 0.5 / sum) < 1e-6)
        #expect(abs(Double(s[2, 0]) - 0.449490) < 1e-6)
        for row in 0..<5 {
            let total = s.range(ofRow: row).reduce(0.0) { $0 + Double(s.values[$1]) }
            #expect(abs(total - 1) < 1e-6)
        }
    }

    @Test("1, 2 and 3 threads give identical matrices")
    func threadIndependence() {
        var generator = SeededGenerator(seed: 7)
        let users = 300, items = 120
        var dense = [Float](repeating: 0, count: users * items)
        for k in dense.indices where generator.nextDouble() < 0.08 { dense[k] = Float(1 + generator.nextInt(below: 5)) }
        let vectors = SparseRowMatrix(dense: dense, rowCount: users, columnCount: items).transposed()
        for measure in [SparseSimilarity.Measure.cosine, .asymmetricCosine(alpha: 0.3), .jaccard] {
            let options = SparseSimilarity.Options(measure: measure, neighbours: 10, shrink: 2, normalizeRows: true)
            let one = SparseSimilarity.between(rowsOf: vectors, options: options, threadCount: 1)
            #expect(one.nonZeroCount == 120 * 10)
            #expect(SparseSimilarity.between(rowsOf: vectors, options: options, threadCount: 2) == one)
            #expect(SparseSimilarity.between(rowsOf: vectors, options: options, threadCount: 3) == one)
        }
        let x = SparseRowMatrix(dense: dense, rowCount: users, columnCount: items)
        let walk1 = try? SparseSimilarity.threeStepWalk(x, alpha: 0.8, beta: 0.5, neighbours: 20, normalizeRows: true, threadCount: 1)
        let walk2 = try? SparseSimilarity.threeStepWalk(x, alpha: 0.8, beta: 0.5, neighbours: 20, normalizeRows: true, threadCount: 2)
        #expect(walk1 != nil && walk1 == walk2)
    }

    @Test("pruned rows match a full sort of the unpruned rows")
    func prunedMatchesFullSort() {
        var generator = SeededGenerator(seed: 11)
        let users = 80, items = 60
        var dense = [Float](repeating: 0, count: users * items)
        for k in dense.indices where generator.nextDouble() < 0.1 { dense[k] = 1 }
        let vectors = SparseRowMatrix(dense: dense, rowCount: users, columnCount: items).transposed()
        let all = SparseSimilarity.between(rowsOf: vectors, options: .init(measure: .jaccard, neighbours: .max), threadCount: 1)
        let pruned = SparseSimilarity.between(rowsOf: vectors, options: .init(measure: .jaccard, neighbours: 5), threadCount: 2)
        for row in 0..<items {
            // Binary data gives many ties: the reference order is (value desc, index asc).
            let entries = all.range(ofRow: row).map { (all.values[$0], all.indices[$0]) }
            let best = entries.sorted { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.prefix(5).map(\.1).sorted()
            #expect(pruned.range(ofRow: row).map { pruned.indices[$0] } == best, "row \(row)")
        }
    }
}

@Suite("SparseSimilarity products and scoring")
struct SparseSimilarityProductTests {
    @Test("product: exact Gram matrix XᵀX, diagonal included")
    func gram() throws {
        let x = SparseRowMatrix(dense: valued, rowCount: 4, columnCount: 5)
        let gram = try SparseSimilarity.product(x.transposed(), x, threadCount: 2)
        // G[0,0] = 25+16+9 = 50, G[0,1] = 15+15 = 30, G[2,3] = 8, G[1,4] = 5, G[2,4] = 0.
        #expect(gram[0, 0] == 50)
        #expect(gram[0, 1] == 30)
        #expect(gram[1, 0] == 30)
        #expect(gram[2, 3] == 8)
        #expect(gram[1, 4] == 5)
        #expect(gram.range(ofRow: 2).map { gram.indices[$0] } == [0, 1, 2, 3])
        #expect(throws: (any Error).self) { try SparseSimilarity.product(x, x, threadCount: 1) }
    }

    @Test("three-step walk (P3alpha, RP3beta) worked by hand")
    func threeStepWalk() throws {
        // Pui: u0 {0,1,3} 1/3 each, u1 {0,2} 1/2, u2 {1,2,3} 1/3, u3 {0,1,4} 1/3.
        // Piu: i0 {u0,u1,u3} 1/3, i1 {u0,u2,u3} 1/3, i2 {u1,u2} 1/2, i3 {u0,u2} 1/2, i4 {u3} 1.
        // Row 0 = Σ over u0, u1, u3 (1/3 each) of their Pui rows:
        //   W[0,1] = 1/9 + 1/9 = 2/9, W[0,2] = 1/6, W[0,3] = 1/9, W[0,4] = 1/9 (W[0,0] dropped).
        // Row 2 = ½ Pui[u1] + ½ Pui[u2]: W[2,0] = 1/4, W[2,1] = 1/6, W[2,3] = 1/6.
        let x = SparseRowMatrix(dense: binary, rowCount: 4, columnCount: 5)
        let p3 = try SparseSimilarity.threeStepWalk(x, alpha: 1, neighbours: .max, normalizeRows: false, threadCount: 1)
        // Row 1 = ⅓ (Pui[u0] + Pui[u2] + Pui[u3]): W[1,0] = 2/9, W[1,2] = 1/9, W[1,3] = 2/9, W[1,4] = 1/9.
        // Row 3 = ½ (Pui[u0] + Pui[u2]): W[3,0] = 1/6, W[3,1] = 1/3, W[3,2] = 1/6.
        expectMatrix(p3, [
            [0, 2.0 / 9, 1.0 / 6, 1.0 / 9, 1.0 / 9],
            [2.0 / 9, 0, 1.0 / 9, 2.0 / 9, 1.0 / 9],
            [0.25, 1.0 / 6, 0, 1.0 / 6, 0],
            [1.0 / 6, 1.0 / 3, 1.0 / 6, 0, 0],
            // i4's only user is u3: W[4,·] = Pui[u3] = 1/3 on 0 and 1.
            [1.0 / 3, 1.0 / 3, 0, 0, 0],
        ])
        // α = ½: every probability square-rooted. W[0,1] = √(1/3)√(1/3) · 2 = 2/3; W[0,2] = √(1/3)√(1/2) = 0.408248.
        let half = try SparseSimilarity.threeStepWalk(x, alpha: 0.5, neighbours: .max, normalizeRows: false, threadCount: 1)
        #expect(abs(Double(half[0, 1]) - 2.0 / 3) < 1e-6)
        #expect(abs(Double(half[0, 2]) - (1.0 / 6).squareRoot()) < 1e-6)
        // RP3beta, β = 1, degrees 3, 3, 2, 2, 1: row 0 = (2/9)/3, (1/6)/2, (1/9)/2, (1/9)/1
        //   = 8/108, 9/108, 6/108, 12/108; normalised by 35/108 → 8/35, 9/35, 6/35, 12/35.
        let rp3 = try SparseSimilarity.threeStepWalk(x, alpha: 1, beta: 1, neighbours: .max, normalizeRows: true, threadCount: 2)
        #expect(abs(Double(rp3[0, 1]) - 8.0 / 35) < 1e-6)
        #expect(abs(Double(rp3[0, 2]) - 9.0 / 35) < 1e-6)
        #expect(abs(Double(rp3[0, 3]) - 6.0 / 35) < 1e-6)
        #expect(abs(Double(rp3[0, 4]) - 12.0 / 35) < 1e-6)
        // Top-1 of row 0 before normalisation is item 4 (12/108), which normalises to 1.
        let top1 = try SparseSimilarity.threeStepWalk(x, alpha: 1, beta: 1, neighbours: 1, normalizeRows: true, threadCount: 1)
        #expect(top1.range(ofRow: 0).map { top1.indices[$0] } == [4])
        #expect(top1[0, 4] == 1)
    }

    @Test("multiply: dense score rows of left[rows] · right")
    func multiply() throws {
        // left rows u1 = (1, 0, 1, 0, 0) and u3 = (1, 1, 0, 0, 1) of X; right = the cosine matrix S.
        // u1 · S = S[0,·] + S[2,·] = (1/√6, 2/3 + 1/√6, 1/√6, 1/√6 + 1/2, 1/√3).
        let x = SparseRowMatrix(dense: binary, rowCount: 4, columnCount: 5)
        let s = similarities(binary, .cosine)
        var out = [Float](repeating: .nan, count: 10)
        let rows: [Int32] = [1, 3]
        try rows.withUnsafeBufferPointer { rows in
            try out.withUnsafeMutableBufferPointer {
                try SparseSimilarity.multiply(rows: rows, of: x, by: s, into: $0, threadCount: 2)
            }
        }
        let expected: [Double] = [1 / r6, 2.0 / 3 + 1 / r6, 1 / r6, 1 / r6 + 0.5, 1 / r3,
                                  // u3 · S = S[0,·] + S[1,·] + S[4,·]
                                  2.0 / 3 + 1 / r3, 2.0 / 3 + 1 / r3, 2 / r6, 1 / r6 + 2 / r6, 2 / r3]
        for (got, want) in zip(out, expected) { #expect(abs(Double(got) - want) < 1e-6, "got \(got), want \(want)") }
        var small = [Float](repeating: 0, count: 3)
        #expect(throws: (any Error).self) {
            try rows.withUnsafeBufferPointer { rows in
                try small.withUnsafeMutableBufferPointer { try SparseSimilarity.multiply(rows: rows, of: x, by: s, into: $0, threadCount: 1) }
            }
        }
        let outside: [Int32] = [4]
        var row = [Float](repeating: 0, count: 5)
        #expect(throws: (any Error).self) {
            try outside.withUnsafeBufferPointer { rows in
                try row.withUnsafeMutableBufferPointer { try SparseSimilarity.multiply(rows: rows, of: x, by: s, into: $0, threadCount: 1) }
            }
        }
    }
}

@Suite("SparseRowMatrix")
struct SparseRowMatrixTests {
    @Test("transpose, binarise, row normalisation")
    func basics() {
        let x = SparseRowMatrix(dense: valued, rowCount: 4, columnCount: 5)
        let t = x.transposed()
        #expect(t.rowCount == 5 && t.columnCount == 4)
        for u in 0..<4 { for i in 0..<5 { #expect(t[i, u] == valued[u * 5 + i]) } }
        #expect(t.transposed() == x)
        #expect(x.binarized().dense() == binary)
        // u0 = (5, 3, ·, 1, ·) sums to 9.
        let n = x.rowNormalized()
        #expect(abs(n[0, 0] - 5.0 / 9) < 1e-7 && abs(n[0, 3] - 1.0 / 9) < 1e-7)
        #expect(x.columnCounts() == [3, 3, 2, 2, 1])
    }

    @Test("copying a host matrix sorts unsorted rows and rejects repeated entries")
    func fromView() throws {
        let indptr: [Int64] = [0, 3, 4], values: [Float] = [1, 2, 3, 4]
        let unsorted: [Int32] = [2, 0, 1, 1], repeated: [Int32] = [2, 0, 2, 1]
        let copy = try unsorted.withUnsafeBufferPointer { indices in
            try indptr.withUnsafeBufferPointer { indptr in
                try values.withUnsafeBufferPointer { values in
                    try SparseRowMatrix(CSRView(rowCount: 2, columnCount: 3, indptr: indptr, indices: indices, values: values))
                }
            }
        }
        #expect(copy.indices == [0, 1, 2, 1])
        #expect(copy.values == [2, 3, 1, 4])
        #expect(throws: (any Error).self) {
            try repeated.withUnsafeBufferPointer { indices in
                try indptr.withUnsafeBufferPointer { indptr in
                    try values.withUnsafeBufferPointer { values in
                        try SparseRowMatrix(CSRView(rowCount: 2, columnCount: 3, indptr: indptr, indices: indices, values: values))
                    }
                }
            }
        }
    }

    @Test("malformed arrays are rejected with a message")
    func validation() {
        #expect(throws: (any Error).self) {
            try SparseRowMatrix(rowCount: 1, columnCount: 3, indptr: [0, 2], indices: [2, 1], values: [1, 1])
        }
        #expect(throws: (any Error).self) {
            try SparseRowMatrix(rowCount: 1, columnCount: 3, indptr: [0, 2], indices: [1, 1], values: [1, 1])
        }
        #expect(throws: (any Error).self) {
            try SparseRowMatrix(rowCount: 1, columnCount: 3, indptr: [0, 1], indices: [3], values: [1])
        }
        #expect(throws: (any Error).self) {
            try SparseRowMatrix(rowCount: 2, columnCount: 3, indptr: [0, 1], indices: [0], values: [1])
        }
        #expect((try? SparseRowMatrix(rowCount: 1, columnCount: 3, indptr: [0, 2], indices: [0, 2], values: [1, 2])) != nil)
    }
}
