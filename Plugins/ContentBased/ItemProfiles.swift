import CBLAS
import RecKit
import RecMath

/// Item profiles with L2-normalised rows (or zero rows), and the two exact ways to score users
/// against them. A user's profile is u = Σ_j w_uj · p_j over the user's training items j, and the
/// score of item i is cos(u, p_i) = u·p_i / ‖u‖ (‖p_i‖ is 1, or p_i is zero and so is the score).
///
/// - `dense`: P is items × d, row-major, d padded with zeros to a multiple of 8 (the SIMD width of
///   `DenseVector`; zeros change no dot product). A block of users' profiles U (b × d) is summed
///   row by row, then one `sgemm` gives U·Pᵀ (b × items). Cost per user ≈ items · d multiply-adds
///   at BLAS speed (≈ 10–12 G multiply-adds/s measured here for these shapes); memory 4 · items · d bytes.
/// - `sparse`: P in CSR plus its transpose. A user's profile is accumulated in a dense scratch
///   vector over the features it touches, then each touched feature f scatters u_f · P[:, f] into
///   the score row. Cost per user = Σ_{f ∈ u} df_f scattered adds (0.2–0.7 G/s measured); memory
///   twice P's non-zeros. TF-IDF profiles with thousands of title words and tags are well under 1 %
///   dense, which is where this wins (see `ContentBased.chooseKernel`).
///
/// Every user's score row is computed by one thread in a fixed order, so the scores do not depend
/// on the thread count.
enum ItemProfiles {
    case dense(DenseRows)
    case sparse(SparseRows, transposed: SparseRows)

    var itemCount: Int {
        switch self {
        case .dense(let p): p.rowCount
        case .sparse(let p, _): p.rowCount
        }
    }

    var kernelName: String {
        switch self {
        case .dense: "dense"
        case .sparse: "sparse"
        }
    }

    /// Writes the cosine scores of `users` (rows of `history`) against every item into `scores`
    /// (users.count × itemCount, row-major).
    func score(users: UnsafeBufferPointer<Int32>, history: UserHistory, into scores: UnsafeMutablePointer<Float>,
               threadCount: Int) {
        switch self {
        case .dense(let p): Self.scoreDense(p, users: users, history: history, into: scores, threadCount: threadCount)
        case .sparse(let p, let pt): Self.scoreSparse(p, pt, users: users, history: history, into: scores, threadCount: threadCount)
        }
    }

    private static func scoreDense(_ p: DenseRows, users: UnsafeBufferPointer<Int32>, history: UserHistory,
                                   into scores: UnsafeMutablePointer<Float>, threadCount: Int) {
        let b = users.count, n = p.rowCount, d = p.width
        guard b > 0, n > 0 else { return }
        var profiles = [Float](repeating: 0, count: b * d)
        var norms = [Float](repeating: 0, count: b)
        p.values.withUnsafeBufferPointer { items in
            profiles.withUnsafeMutableBufferPointer { u in
                norms.withUnsafeMutableBufferPointer { norm in
                    let itemBase = items.baseAddress!, profileBase = u.baseAddress!, normBase = norm.baseAddress!
                    DenseLinearAlgebra.forEachPart(b, threadCount: threadCount) { row in
                        let target = profileBase + row * d
                        history.forEachItem(of: Int(users[row])) { item, weight in
                            DenseVector.scaleAdd(target, scale: 1, itemBase + Int(item) * d, times: weight, count: d)
                        }
                        normBase[row] = DenseVector.sumOfSquares(target, count: d).squareRoot()
                    }
                    guard d > 0 else { return }
                    // S = U·Pᵀ: U is b × d, P is n × d (both row-major), S is b × n.
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(b), Int32(n), Int32(d), 1,
                                profileBase, Int32(d), itemBase, Int32(d), 0, scores, Int32(n))
                }
            }
        }
        for row in 0..<b {
            let target = scores + row * n
            let norm = norms[row]
            if norm > 0 && norm.isFinite {
                cblas_sscal(Int32(n), 1 / norm, target, 1)
            } else {
                target.update(repeating: 0, count: n)
            }
        }
    }

    private static func scoreSparse(_ p: SparseRows, _ pt: SparseRows, users: UnsafeBufferPointer<Int32>, history: UserHistory,
                                    into scores: UnsafeMutablePointer<Float>, threadCount: Int) {
        let b = users.count, n = p.rowCount, width = p.columnCount
        guard b > 0 else { return }
        let workers = DenseLinearAlgebra.workerCount(parts: b, threadCount: threadCount)
        let scratch = (0..<workers).map { _ in ProfileScratch(width: width) }
        let output = SendablePointer(scores)
        p.withBuffers { pIndptr, pIndices, pValues in
            pt.withBuffers { tIndptr, tIndices, tValues in
                DenseLinearAlgebra.forEachPart(b, threadCount: threadCount) { row, worker in
                    let work = scratch[worker]
                    let target = output.pointer + row * n
                    target.update(repeating: 0, count: n)
                    // u = Σ_j w_uj · p_j over the features the user's items touch (first-touch order).
                    history.forEachItem(of: Int(users[row])) { item, weight in
                        for k in pIndptr[Int(item)]..<pIndptr[Int(item) + 1] {
                            let f = Int(pIndices[k])
                            if !work.marked[f] {
                                work.marked[f] = true
                                work.touched.append(Int32(f))
                            }
                            work.accumulator[f] += weight * pValues[k]
                        }
                    }
                    var squares: Double = 0
                    for f in work.touched { squares += Double(work.accumulator[Int(f)]) * Double(work.accumulator[Int(f)]) }
                    if squares > 0 {
                        let inverse = Float(1 / squares.squareRoot())
                        for f in work.touched {
                            let a = work.accumulator[Int(f)] * inverse
                            guard a != 0 else { continue }
                            for k in tIndptr[Int(f)]..<tIndptr[Int(f) + 1] { target[Int(tIndices[k])] += a * tValues[k] }
                        }
                    }
                    for f in work.touched {
                        work.accumulator[Int(f)] = 0
                        work.marked[Int(f)] = false
                    }
                    work.touched.removeAll(keepingCapacity: true)
                }
            }
        }
    }
}

/// One worker's scratch for sparse profiles: a dense accumulator over the feature columns, which
/// columns hold something, and their list. Unsafe storage so the hot loop does no bounds checks or
/// copy-on-write checks; freed with the object.
private final class ProfileScratch: @unchecked Sendable {
    let accumulator: UnsafeMutablePointer<Float>
    let marked: UnsafeMutablePointer<Bool>
    var touched: [Int32] = []

    init(width: Int) {
        accumulator = .allocate(capacity: max(1, width))
        accumulator.initialize(repeating: 0, count: max(1, width))
        marked = .allocate(capacity: max(1, width))
        marked.initialize(repeating: false, count: max(1, width))
    }

    deinit {
        accumulator.deallocate()
        marked.deallocate()
    }
}

/// A raw output pointer handed to worker threads that write disjoint rows.
private struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}

/// Each training user's items with the weight w_uj their profile gives them (parameter `user_profile`).
struct UserHistory {
    let indptr: [Int]
    let items: [Int32]
    let weights: [Float]

    enum Weighting: String, CaseIterable {
        /// w = 1: every training item counts once.
        case sum
        /// w = r_uj, the stored value (the rating).
        case rating
        /// w = r_uj − r̄_u: items rated above the user's mean pull towards their features, items
        /// below push away; a user whose values are all equal gets a zero profile.
        case centered
    }

    init(_ train: CSRView, weighting: Weighting) {
        var indptr = [Int](repeating: 0, count: train.rowCount + 1)
        for row in 0...train.rowCount { indptr[row] = Int(train.indptr[row]) }
        var weights = [Float](repeating: 1, count: train.nonZeroCount)
        if weighting != .sum {
            for user in 0..<train.rowCount where indptr[user + 1] > indptr[user] {
                let range = indptr[user]..<indptr[user + 1]
                var mean = 0.0
                if weighting == .centered {
                    for k in range { mean += Double(train.values[k]) }
                    mean /= Double(range.count)
                }
                for k in range { weights[k] = Float(Double(train.values[k]) - mean) }
            }
        }
        self.indptr = indptr
        items = Array(train.indices)
        self.weights = weights
    }

    /// Calls `body(item, weight)` for the user's training items in ascending item order.
    @inline(__always)
    func forEachItem(of user: Int, _ body: (Int32, Float) -> Void) {
        items.withUnsafeBufferPointer { items in
            weights.withUnsafeBufferPointer { weights in
                for k in indptr[user]..<indptr[user + 1] { body(items[k], weights[k]) }
            }
        }
    }
}

/// A row-major dense matrix whose rows are padded to `width` (a multiple of `DenseVector.lanes`).
struct DenseRows {
    let rowCount: Int
    /// The columns the data has; `width` ≥ this.
    let columnCount: Int
    let width: Int
    var values: [Float]

    /// Rows scaled to unit L2 norm; zero rows stay zero. Returns how many rows were zero.
    mutating func normalizeRows() -> Int {
        var zero = 0
        let width = width
        values.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            for row in 0..<rowCount {
                let start = base + row * width
                var squares = 0.0
                for c in 0..<width { squares += Double(start[c]) * Double(start[c]) }
                if squares > 0 {
                    let scale = Float(1 / squares.squareRoot())
                    for c in 0..<width { start[c] *= scale }
                } else {
                    zero += 1
                }
            }
        }
        return zero
    }
}

/// A CSR matrix with `Int` offsets, owned by the plugin.
struct SparseRows {
    let rowCount: Int
    let columnCount: Int
    let indptr: [Int]
    let indices: [Int32]
    let values: [Float]

    var nonZeroCount: Int { indices.count }

    /// The same matrix transposed (columns become rows, entries in ascending row order).
    func transposed() -> SparseRows {
        var counts = [Int](repeating: 0, count: columnCount + 1)
        for column in indices { counts[Int(column) + 1] += 1 }
        for c in 0..<columnCount { counts[c + 1] += counts[c] }
        var next = counts
        var outIndices = [Int32](repeating: 0, count: indices.count)
        var outValues = [Float](repeating: 0, count: indices.count)
        for row in 0..<rowCount {
            for k in indptr[row]..<indptr[row + 1] {
                let column = Int(indices[k])
                outIndices[next[column]] = Int32(row)
                outValues[next[column]] = values[k]
                next[column] += 1
            }
        }
        return SparseRows(rowCount: columnCount, columnCount: rowCount, indptr: counts, indices: outIndices, values: outValues)
    }

    /// The dense row-major form, rows padded to a multiple of `DenseVector.lanes`.
    func densified() -> DenseRows {
        let width = DenseVector.paddedCount(columnCount)
        var dense = [Float](repeating: 0, count: rowCount * width)
        for row in 0..<rowCount {
            for k in indptr[row]..<indptr[row + 1] { dense[row * width + Int(indices[k])] = values[k] }
        }
        return DenseRows(rowCount: rowCount, columnCount: columnCount, width: width, values: dense)
    }

    func withBuffers<R>(_ body: (UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Float>) -> R) -> R {
        indptr.withUnsafeBufferPointer { indptr in
            indices.withUnsafeBufferPointer { indices in
                values.withUnsafeBufferPointer { values in body(indptr, indices, values) }
            }
        }
    }
}
