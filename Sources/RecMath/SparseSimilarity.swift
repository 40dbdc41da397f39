import Foundation
import RecKit

/// Top-k pruned sparse similarity matrices for neighbourhood and graph models (ItemKNN, UserKNN,
/// P3alpha, RP3beta, SLIM's Gram matrix), and the sparse scoring product they all share.
///
/// Semantics follow Ferrari Dacrema et al.'s evaluation framework ("Are we really making much
/// progress?", RecSys 2019; `Compute_Similarity_Python.py`, `IR_feature_weighting.py`). Between
/// rows i and j of a vectors matrix M (entities × features), with num = Σ_u m_iu·m_ju and
/// n_i = Σ_u m_iu²:
///
///     cosine:      num / (√n_i · √n_j + shrink)
///     asymmetric:  num / (n_i^α · n_j^(1−α) + shrink)      (Aiolli 2013; α = ½ is cosine)
///     jaccard:     num / (|i| + |j| − num + shrink)         on binarised M (Tanimoto)
///
/// Row i of the result keeps its `neighbours` largest non-zero values (ties by ascending column,
/// RecMath's `TopK` order), never the diagonal, stored with columns ascending; with `normalizeRows`
/// each kept row is then divided by the sum of its absolute values. The reference adds 1e-6 to
/// every denominator to avoid 0/0; here an entry with num = 0 is simply not stored (it could not
/// be kept anyway), and a non-zero num implies non-zero norms, so no denominator is ever 0.
///
/// Row i is computed with a dense accumulator: for each feature u of i, for each entity j having u,
/// acc[j] += m_iu·m_ju — work Σ_u (entities having u)², no dense n × n matrix. Rows are split
/// across threads; each row is computed the same way whatever the split, so the output does not
/// depend on the thread count.
public enum SparseSimilarity {
    public enum Measure: Sendable, Equatable {
        case cosine
        case asymmetricCosine(alpha: Double)
        case jaccard
    }

    public struct Options: Sendable, Equatable {
        public var measure: Measure
        /// Neighbours kept per row (`Int.max`: every non-zero).
        public var neighbours: Int
        public var shrink: Double
        public var normalizeRows: Bool

        public init(measure: Measure = .cosine, neighbours: Int = 100, shrink: Double = 0, normalizeRows: Bool = false) {
            self.measure = measure
            self.neighbours = neighbours
            self.shrink = shrink
            self.normalizeRows = normalizeRows
        }
    }

    /// Feature weighting of a documents × terms matrix (`IR_feature_weighting.py`), applied to the
    /// vectors before similarities are taken. With N documents and df_t the number of documents
    /// having term t, idf_t = ln(N / (1 + df_t)) (negative for a term in every document, as in the
    /// reference):
    ///
    ///     tfidf:  √x · idf_t
    ///     bm25:   x · (k1 + 1) / (k1 · (1 − b + b · len_d / avg len) + x) · idf_t,
    ///             len_d = Σ_t x_dt, avg len over all N documents
    public enum Weighting: Sendable, Equatable {
        case none
        case tfidf
        case bm25(k1: Double, b: Double)

        /// `documents` has the compared entities as rows (items × users for item–item similarity).
        public func apply(to documents: SparseRowMatrix) throws -> SparseRowMatrix {
            if case .none = self { return documents }
            if let negative = documents.values.first(where: { !($0 >= 0) || !$0.isFinite }) {
                throw PluginError("feature weighting needs finite non-negative interaction values, found \(negative)")
            }
            let count = Double(documents.rowCount)
            let idf = documents.columnCounts().map { log(count / Double(1 + $0)) }
            switch self {
            case .none:
                return documents
            case .tfidf:
                return documents.mapValues { _, term, x in Float(Double(x).squareRoot() * idf[term]) }
            case .bm25(let k1, let b):
                let lengths = documents.rowSums()
                let average = count > 0 ? lengths.reduce(0, +) / count : 0
                return documents.mapValues { document, term, x in
                    let norm = average > 0 ? (1 - b) + b * lengths[document] / average : 1
                    let denominator = k1 * norm + Double(x)
                    return denominator == 0 ? 0 : Float(Double(x) * (k1 + 1) / denominator * idf[term])
                }
            }
        }
    }

    /// Similarities between the rows of `vectors` (entities × features): an entities × entities
    /// matrix, row i holding i's top neighbours. Item–item: pass the items × users matrix.
    public static func between(rowsOf vectors: SparseRowMatrix, options: Options, threadCount: Int) -> SparseRowMatrix {
        let keep = max(0, options.neighbours)
        let shrink = max(0, options.shrink)
        switch options.measure {
        case .cosine:
            let roots = vectors.rowSquaredNorms().map { $0.squareRoot() }
            return rowProducts(vectors, vectors.transposed(), keep: keep, excludeDiagonal: true,
                               finish: Finish(.normalized, row: roots, column: roots, shrink: shrink),
                               normalizeRows: options.normalizeRows, threadCount: threadCount)
        case .asymmetricCosine(let alpha):
            let norms = vectors.rowSquaredNorms()
            return rowProducts(vectors, vectors.transposed(), keep: keep, excludeDiagonal: true,
                               finish: Finish(.normalized, row: norms.map { pow($0, alpha) },
                                              column: norms.map { pow($0, 1 - alpha) }, shrink: shrink),
                               normalizeRows: options.normalizeRows, threadCount: threadCount)
        case .jaccard:
            let binary = vectors.binarized()
            let sizes = (0..<binary.rowCount).map { Double(binary.range(ofRow: $0).count) }
            return rowProducts(binary, binary.transposed(), keep: keep, excludeDiagonal: true,
                               finish: Finish(.tanimoto, row: sizes, column: sizes, shrink: shrink),
                               normalizeRows: options.normalizeRows, threadCount: threadCount)
        }
    }

    /// The sparse product left · right, row by row, optionally with column j scaled by
    /// `columnScale[j]`, the diagonal dropped, the `keep` largest non-zeros of each row kept (ties
    /// by ascending column) and rows L1-normalised: P3alpha's and RP3beta's item → user → item walk
    /// (Piu · Pui), or with `keep: .max` an exact product such as a Gram matrix XᵀX.
    public static func product(_ left: SparseRowMatrix, _ right: SparseRowMatrix, keep: Int = .max,
                               excludeDiagonal: Bool = false, columnScale: [Double]? = nil,
                               normalizeRows: Bool = false, threadCount: Int) throws -> SparseRowMatrix {
        guard left.columnCount == right.rowCount else {
            throw PluginError("cannot multiply \(left.rowCount) × \(left.columnCount) by \(right.rowCount) × \(right.columnCount)")
        }
        if let columnScale, columnScale.count != right.columnCount {
            throw PluginError("column scale has \(columnScale.count) entries for \(right.columnCount) columns")
        }
        return rowProducts(left, right, keep: max(0, keep), excludeDiagonal: excludeDiagonal,
                           finish: columnScale.map { Finish(.scaled, column: $0) } ?? Finish(.identity),
                           normalizeRows: normalizeRows, threadCount: threadCount)
    }

    /// The item → user → item random walk of P3alpha (Cooper et al. 2014) and RP3beta (Paudel et
    /// al. 2017), as the reference's `P3alphaRecommender` / `RP3betaRecommender` build it from the
    /// users × items interactions X (non-negative):
    ///
    ///     Pui = X with each user row divided by its sum          (user → item, by value)
    ///     Piu = Xᵀ binarised, each item row divided by its degree (item → user, uniform)
    ///     W[i, j] = Σ_u Piu[i, u]^α · Pui[u, j]^α · deg(j)^(−β)    (β = 0: P3alpha)
    ///
    /// with the diagonal dropped, the `neighbours` largest entries of each row i kept and, with
    /// `normalizeRows`, rows rescaled to sum to 1. Scores are x_u · W. (The reference follows this
    /// row-wise pruning with a second, column-wise top-k pass; only the row-wise one is done here.)
    public static func threeStepWalk(_ interactions: SparseRowMatrix, alpha: Double, beta: Double = 0, neighbours: Int,
                                     normalizeRows: Bool, threadCount: Int) throws -> SparseRowMatrix {
        if let bad = interactions.values.first(where: { !($0 >= 0) || !$0.isFinite }) {
            throw PluginError("random-walk transition probabilities need finite non-negative interaction values, found \(bad)")
        }
        let power = { (_: Int, _: Int, p: Float) -> Float in p == 0 || alpha == 1 ? p : Float(pow(Double(p), alpha)) }
        let userToItem = interactions.rowNormalized().mapValues(power)
        let itemToUser = interactions.transposed().binarized().rowNormalized().mapValues(power)
        let penalty = beta == 0 ? nil : interactions.columnCounts().map { $0 > 0 ? pow(Double($0), -beta) : 0 }
        return try product(itemToUser, userToItem, keep: neighbours, excludeDiagonal: true, columnScale: penalty,
                           normalizeRows: normalizeRows, threadCount: threadCount)
    }

    /// Dense scores of a block of rows: `out[r * right.columnCount + c]` = (left[rows[r]] · right)[c].
    /// Item-based models: left = the users' interactions X, right = an items × items weight matrix
    /// W (score = x_u · W); user-based: left = the user–user similarities, right = X.
    public static func multiply(rows: UnsafeBufferPointer<Int32>, of left: SparseRowMatrix, by right: SparseRowMatrix,
                                into out: UnsafeMutableBufferPointer<Float>, threadCount: Int) throws {
        let width = right.columnCount
        guard left.columnCount == right.rowCount else {
            throw PluginError("cannot multiply \(left.rowCount) × \(left.columnCount) by \(right.rowCount) × \(right.columnCount)")
        }
        guard out.count == rows.count * width else {
            throw PluginError("score buffer holds \(out.count) values, \(rows.count) rows × \(width) columns need \(rows.count * width)")
        }
        if let bad = rows.first(where: { $0 < 0 || Int($0) >= left.rowCount }) {
            throw PluginError("row \(bad) is outside the model's \(left.rowCount) rows (was it in the training matrix?)")
        }
        guard let base = out.baseAddress, !rows.isEmpty else { return }
        let target = SendablePointer(base)
        left.withBuffers { a in
            right.withBuffers { b in
                let work = rows.reduce(0) { $0 + a.indptr[Int($1) + 1] - a.indptr[Int($1)] }
                // A thread only pays for itself on some thousands of entries per row block.
                let chunks = threadCount <= 1 || work < 20_000 ? 1 : min(rows.count, threadCount * 4)
                parallel(chunks, threads: threadCount) { chunk in
                    for r in (rows.count * chunk / chunks)..<(rows.count * (chunk + 1) / chunks) {
                        let row = target.pointer + r * width
                        row.initialize(repeating: 0, count: width)
                        let user = Int(rows[r])
                        for p in a.indptr[user]..<a.indptr[user + 1] {
                            let j = Int(a.indices[p]), weight = a.values[p]
                            for q in b.indptr[j]..<b.indptr[j + 1] {
                                row[Int(b.indices[q])] += weight * b.values[q]
                            }
                        }
                    }
                }
            }
        }
    }
}

// MARK: - Hyperparameters shared by the similarity models

extension SparseSimilarity {
    /// The similarity hyperparameters of ItemKNN and UserKNN (the reference's `ItemKNNCFRecommender.fit`
    /// arguments), with each model's own defaults for the neighbourhood size and shrink term.
    public static func hyperParameters(neighbours: Int, shrink: Double) -> [HyperParameter] {
        [
            HyperParameter("similarity", .string, default: .string("cosine"),
                           choices: [.string("cosine"), .string("asymmetric"), .string("jaccard")],
                           doc: "cosine: num/(|i||j| + shrink); asymmetric: num/(|i|^2a |j|^2(1-a) + shrink) (Aiolli); "
                               + "jaccard: num/(|i| + |j| - num + shrink) on binarised interactions"),
            HyperParameter("topk", .int, default: .int(Int64(neighbours)), min: 1, max: 1e7, logScale: true,
                           doc: "neighbours kept per row of the similarity matrix (largest values, ties by index)"),
            HyperParameter("shrink", .float, default: .float(shrink), min: 0, max: 1e6,
                           doc: "added to every similarity denominator: damps similarities resting on few co-occurrences"),
            HyperParameter("asymmetric_alpha", .float, default: .float(0.5), min: 0, max: 1,
                           doc: "asymmetric only: exponent a on the target's squared norm, 1 - a on the neighbour's (0.5 = cosine)"),
            HyperParameter("feature_weighting", .string, default: .string("none"),
                           choices: [.string("none"), .string("tfidf"), .string("bm25")],
                           doc: "reweight the interactions before similarities (and for scoring): tfidf = sqrt(x) idf, "
                               + "bm25 = Okapi BM25 with bm25_k1, bm25_b; idf = ln(N / (1 + df))"),
            HyperParameter("bm25_k1", .float, default: .float(1.2), min: 0, max: 1000,
                           doc: "bm25 only: term-frequency saturation k1"),
            HyperParameter("bm25_b", .float, default: .float(0.75), min: 0, max: 1,
                           doc: "bm25 only: document-length normalisation b"),
            HyperParameter("normalize", .bool, default: .bool(false),
                           doc: "divide each pruned similarity row by the sum of its absolute values"),
        ]
    }

    /// Reads the parameters of `hyperParameters(neighbours:shrink:)`.
    public static func configuration(from parameters: PluginParameters) throws -> (options: Options, weighting: Weighting) {
        let measure: Measure
        switch try parameters.string("similarity") {
        case "cosine": measure = .cosine
        case "asymmetric": measure = .asymmetricCosine(alpha: try parameters.double("asymmetric_alpha"))
        case "jaccard": measure = .jaccard
        case let other: throw PluginError("similarity must be cosine, asymmetric or jaccard; got \(other)")
        }
        let weighting: Weighting
        switch try parameters.string("feature_weighting") {
        case "none": weighting = .none
        case "tfidf": weighting = .tfidf
        case "bm25": weighting = .bm25(k1: try parameters.double("bm25_k1"), b: try parameters.double("bm25_b"))
        case let other: throw PluginError("feature_weighting must be none, tfidf or bm25; got \(other)")
        }
        let neighbours = try parameters.int("topk"), shrink = try parameters.double("shrink")
        guard neighbours >= 1 else { throw PluginError("topk must be at least 1, got \(neighbours)") }
        guard shrink >= 0 else { throw PluginError("shrink must be at least 0, got \(shrink)") }
        return (Options(measure: measure, neighbours: neighbours, shrink: shrink,
                        normalizeRows: try parameters.bool("normalize")), weighting)
    }
}

// MARK: - The row-wise kernel

extension SparseSimilarity {
    /// How a row's accumulated dot products become stored values.
    struct Finish {
        enum Kind {
            /// num
            case identity
            /// num · column[j]
            case scaled
            /// num / (row[i] · column[j] + shrink)
            case normalized
            /// num / (row[i] + column[j] − num + shrink), row = column = set sizes
            case tanimoto
        }
        var kind: Kind
        var row: [Double] = []
        var column: [Double] = []
        var shrink: Double = 0

        init(_ kind: Kind, row: [Double] = [], column: [Double] = [], shrink: Double = 0) {
            self.kind = kind
            self.row = row
            self.column = column
            self.shrink = shrink
        }
    }

    /// `Finish` as buffers for the hot loop.
    private struct Factors: @unchecked Sendable {
        let kind: Finish.Kind
        let row: UnsafeBufferPointer<Double>
        let column: UnsafeBufferPointer<Double>
        let shrink: Double
    }

    /// One chunk's rows of the result.
    private struct RowBlock {
        var lengths: [Int] = []
        var indices: [Int32] = []
        var values: [Float] = []
    }

    static func rowProducts(_ left: SparseRowMatrix, _ right: SparseRowMatrix, keep: Int, excludeDiagonal: Bool,
                            finish: Finish, normalizeRows: Bool, threadCount: Int) -> SparseRowMatrix {
        let rowCount = left.rowCount, width = right.columnCount
        guard rowCount > 0 else { return SparseRowMatrix(unchecked: 0, width, [0], [], []) }
        let chunks = threadCount <= 1 ? 1 : min(rowCount, threadCount * 8)
        var blocks = [RowBlock](repeating: RowBlock(), count: chunks)
        blocks.withUnsafeMutableBufferPointer { blocks in
            guard let base = blocks.baseAddress else { return }
            let output = SendablePointer(base)
            left.withBuffers { a in
                right.withBuffers { b in
                    finish.row.withUnsafeBufferPointer { rowFactor in
                        finish.column.withUnsafeBufferPointer { columnFactor in
                            let factors = Factors(kind: finish.kind, row: rowFactor, column: columnFactor,
                                                  shrink: finish.shrink)
                            parallel(chunks, threads: threadCount) { chunk in
                                let rows = (rowCount * chunk / chunks)..<(rowCount * (chunk + 1) / chunks)
                                output.pointer[chunk] = computeRows(rows, a, b, width: width, keep: keep,
                                                                    excludeDiagonal: excludeDiagonal, factors: factors,
                                                                    normalizeRows: normalizeRows)
                            }
                        }
                    }
                }
            }
        }
        var indptr = [Int](repeating: 0, count: rowCount + 1)
        var indices: [Int32] = [], values: [Float] = []
        indices.reserveCapacity(blocks.reduce(0) { $0 + $1.indices.count })
        values.reserveCapacity(indices.capacity)
        var row = 0
        for block in blocks {
            for length in block.lengths {
                indptr[row + 1] = indptr[row] + length
                row += 1
            }
            indices += block.indices
            values += block.values
        }
        return SparseRowMatrix(unchecked: rowCount, width, indptr, indices, values)
    }

    private static func computeRows(_ rows: Range<Int>, _ a: SparseRowBuffers, _ b: SparseRowBuffers, width: Int,
                                    keep: Int, excludeDiagonal: Bool, factors: Factors,
                                    normalizeRows: Bool) -> RowBlock {
        var block = RowBlock()
        block.lengths.reserveCapacity(rows.count)
        let accumulator = UnsafeMutablePointer<Double>.allocate(capacity: max(width, 1))
        let lastRow = UnsafeMutablePointer<Int>.allocate(capacity: max(width, 1))
        let touched = UnsafeMutablePointer<Int32>.allocate(capacity: max(width, 1))
        lastRow.initialize(repeating: -1, count: width)
        defer {
            accumulator.deallocate()
            lastRow.deallocate()
            touched.deallocate()
        }
        var heap: [(score: Float, index: Int32)] = []
        heap.reserveCapacity(min(keep, width))

        for i in rows {
            // acc[j] = Σ_u a_iu · b_uj over the columns j this row reaches; lastRow marks which
            // accumulator slots belong to this row, so nothing is cleared between rows.
            var touchedCount = 0
            for p in a.indptr[i]..<a.indptr[i + 1] {
                let u = Int(a.indices[p])
                let weight = Double(a.values[p])
                for q in b.indptr[u]..<b.indptr[u + 1] {
                    let j = Int(b.indices[q])
                    if lastRow[j] != i {
                        lastRow[j] = i
                        accumulator[j] = 0
                        touched[touchedCount] = Int32(j)
                        touchedCount += 1
                    }
                    accumulator[j] += weight * Double(b.values[q])
                }
            }

            heap.removeAll(keepingCapacity: true)
            for t in 0..<touchedCount {
                let j = Int(touched[t])
                let dot = accumulator[j]
                if dot == 0 || (excludeDiagonal && j == i) { continue }
                let value: Double
                switch factors.kind {
                case .identity: value = dot
                case .scaled: value = dot * factors.column[j]
                case .normalized: value = dot / (factors.row[i] * factors.column[j] + factors.shrink)
                case .tanimoto: value = dot / (factors.row[i] + factors.column[j] - dot + factors.shrink)
                }
                let candidate = (score: Float(value), index: Int32(j))
                if candidate.score == 0 { continue }
                if heap.count < keep {
                    heap.append(candidate)
                    if keep < touchedCount { TopK.siftUp(&heap, heap.count - 1) }
                } else if keep > 0, TopK.isBetter(candidate, than: heap[0]) {
                    heap[0] = candidate
                    TopK.siftDown(&heap, 0)
                }
            }
            heap.sort { $0.index < $1.index }
            let sum = normalizeRows ? heap.reduce(0.0) { $0 + Double(abs($1.score)) } : 0
            for entry in heap {
                block.indices.append(entry.index)
                block.values.append(sum > 0 ? Float(Double(entry.score) / sum) : entry.score)
            }
            block.lengths.append(heap.count)
        }
        return block
    }
}

// MARK: - Parallel loops

/// A pointer shared by parallel iterations that each write their own slots.
private struct SendablePointer<Pointee>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Pointee>
    init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
}

/// Runs `body(0..<count)` on up to `threads` threads (`concurrentPerform`), serially for one.
private func parallel(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    if threads <= 1 || count <= 1 {
        for index in 0..<count { body(index) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let shared = SendableClosure(body)
        DispatchQueue.concurrentPerform(iterations: count) { shared.body($0) }
    }
}

private struct SendableClosure: @unchecked Sendable {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
}
