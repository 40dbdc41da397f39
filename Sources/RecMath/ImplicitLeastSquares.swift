/// The half-step of implicit-feedback alternating least squares (Hu, Koren & Volinsky 2008, §4):
/// with the other side's factors Y fixed, every row r (a user, or an item when the roles swap) gets
///
///     x_r = argmin_x  Σ_j c_rj (p_rj − xᵀy_j)² + λ‖x‖²
///
/// over **all** columns j: an observed entry has preference p = 1 and its confidence c ≥ 1 (the
/// stored value of the confidence matrix), every other entry p = 0 and c = 1. The normal equations
///
///     (YᵀY + Σ_{j observed} (c_rj − 1) y_j y_jᵀ + λI) x_r = Σ_{j observed} c_rj y_j
///
/// cost O(k² · observed) per row because YᵀY is computed once per half-step (the paper's trick).
/// Solved either exactly (Cholesky, LAPACK potrf + potrs) or by a few conjugate-gradient steps
/// warm-started from the row's current factors (Takács, Pilászy & Tikk 2011; benfred/implicit's
/// `least_squares_cg`), which never raises the row's objective.
///
/// Factors are `FactorMatrix` rows (zero padding kept zero). Rows are independent, so they are split
/// over threads and the result is identical for any thread count.

import RecKit

public enum ImplicitLeastSquares {
    public enum Solver: Sendable, Equatable {
        case cholesky
        /// `steps` conjugate-gradient iterations from the current factors.
        case conjugateGradient(steps: Int)
    }

    /// YᵀY (k × k, stored k × stride like a factor matrix, symmetric, padding zero), computed in
    /// Double by BLAS (dsyrk) and rounded once.
    public static func gram(of factors: FactorMatrix) -> FactorMatrix {
        let k = factors.columns, stride = factors.stride, rows = factors.rows
        let result = FactorMatrix(rows: k, columns: k)
        guard k > 0, rows > 0 else { return result }
        var wide = [Double](repeating: 0, count: rows * k)
        for r in 0..<rows {
            let y = factors.row(r)
            for c in 0..<k { wide[r * k + c] = Double(y[c]) }
        }
        var sums = [Double](repeating: 0, count: k * k)
        wide.withUnsafeBufferPointer { a in
            sums.withUnsafeMutableBufferPointer { c in
                Double.blasSyrkTransposed(n: Int32(k), k: Int32(rows), alpha: 1, a: a.baseAddress!, lda: Int32(k), beta: 0,
                                          c: c.baseAddress!, ldc: Int32(k))
            }
        }
        // dsyrk filled the upper triangle; mirror it.
        for a in 0..<k {
            for b in a..<k {
                result.base[a * stride + b] = Float(sums[a * k + b])
                result.base[b * stride + a] = Float(sums[a * k + b])
            }
        }
        return result
    }

    /// Sets every row r of `target` (confidence.rowCount × k) to the solution above, with `fixed`
    /// (confidence.columnCount × k) as Y. Stored confidences must be ≥ 1 (c − 1 ≥ 0 keeps the
    /// system positive definite); λ > 0 makes every system solvable.
    public static func solveRows(_ confidence: CSRView, fixed: FactorMatrix, target: FactorMatrix, regularization: Float,
                                 solver: Solver, threadCount: Int = 1) throws {
        let k = fixed.columns, stride = fixed.stride
        guard target.columns == k, target.rows == confidence.rowCount, fixed.rows == confidence.columnCount else {
            throw LinearAlgebraError("implicit least squares: factor shapes \(target.rows) × \(target.columns) and \(fixed.rows) × \(k) do not fit a \(confidence.rowCount) × \(confidence.columnCount) matrix")
        }
        if let bad = confidence.values.first(where: { !($0 >= 1) }) {
            throw LinearAlgebraError("implicit least squares: confidence \(bad) is below 1 (or NaN)")
        }
        guard k > 0, confidence.rowCount > 0 else { return }
        if case .conjugateGradient(let steps) = solver, steps < 1 {
            throw LinearAlgebraError("conjugate gradient needs at least one step")
        }
        let gram = gram(of: fixed)
        let rows = confidence.rowCount
        let parts = min(rows, max(1, threadCount) * 8)
        let workers = DenseLinearAlgebra.workerCount(parts: parts, threadCount: threadCount)
        let scratch = (0..<workers).map { _ in RowScratch(k: k, stride: stride) }
        var failures = [LinearAlgebraError?](repeating: nil, count: parts)
        failures.withUnsafeMutableBufferPointer { failed in
            DenseLinearAlgebra.forEachPart(parts, threadCount: workers) { part, worker in
                let work = scratch[worker]
                do {
                    for r in (rows * part / parts)..<(rows * (part + 1) / parts) {
                        let columns = confidence.columns(of: r), weights = confidence.values(of: r)
                        switch solver {
                        case .cholesky:
                            try solveExactly(columns, weights, fixed: fixed, gram: gram, lambda: regularization,
                                             into: target.row(r), work)
                        case .conjugateGradient(let steps):
                            conjugateGradient(columns, weights, fixed: fixed, gram: gram, lambda: regularization,
                                              steps: steps, x: target.row(r), work)
                        }
                    }
                } catch {
                    failed[part] = error as? LinearAlgebraError ?? LinearAlgebraError("\(error)")
                }
            }
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
    }

    /// The objective both half-steps lower, over all rows × columns:
    ///
    ///     Σ_{r,j} c_rj (p_rj − x_rᵀy_j)² + λ (Σ_r ‖x_r‖² + Σ_j ‖y_j‖²)
    ///
    /// evaluated in O(k²·rows + k·nnz) as Σ_r [x_rᵀ(YᵀY)x_r + Σ_{j obs} (c_rj (1 − s_rj)² − s_rj²)],
    /// s_rj = x_rᵀy_j, plus the penalty; per-row sums in Double, added in row order.
    public static func loss(_ confidence: CSRView, rowFactors: FactorMatrix, columnFactors: FactorMatrix,
                            regularization: Float, threadCount: Int = 1) -> Double {
        let k = columnFactors.columns, stride = columnFactors.stride
        let gram = gram(of: columnFactors)
        let rows = confidence.rowCount
        var perRow = [Double](repeating: 0, count: rows)
        perRow.withUnsafeMutableBufferPointer { out in
            let parts = min(rows, max(1, threadCount) * 8)
            guard parts > 0 else { return }
            DenseLinearAlgebra.forEachPart(parts, threadCount: threadCount) { part in
                let product = UnsafeMutablePointer<Float>.allocate(capacity: stride)
                defer { product.deallocate() }
                for r in (rows * part / parts)..<(rows * (part + 1) / parts) {
                    let x = rowFactors.row(r)
                    symmetricProduct(gram, x, lambda: 0, into: product)
                    var total = Double(DenseVector.dot(x, product, count: stride))
                    let columns = confidence.columns(of: r), weights = confidence.values(of: r)
                    observedDots(columns, fixed: columnFactors, x) { q, dot in
                        let s = Double(dot)
                        total += Double(weights[q]) * (1 - s) * (1 - s) - s * s
                    }
                    out[r] = total + Double(regularization) * Double(DenseVector.sumOfSquares(x, count: stride))
                }
            }
        }
        var total = perRow.reduce(0, +)
        for j in 0..<columnFactors.rows {
            total += Double(regularization) * Double(DenseVector.sumOfSquares(columnFactors.row(j), count: stride))
        }
        return total
    }

    // MARK: Row solvers

    /// One thread's working memory: the k × stride system, right-hand side and CG vectors, and the
    /// gathered rows of an update (grown to the longest row seen).
    final class RowScratch {
        let system: FactorMatrix
        let vectors: FactorMatrix
        var gathered: FactorMatrix
        init(k: Int, stride: Int) {
            system = FactorMatrix(rows: k, columns: k)
            vectors = FactorMatrix(rows: 4, columns: k)
            gathered = FactorMatrix(rows: 0, columns: k)
        }

        func gatheredRows(_ count: Int) -> FactorMatrix {
            if gathered.rows < count { gathered = FactorMatrix(rows: max(count, 2 * gathered.rows), columns: gathered.columns) }
            return gathered
        }
    }

    /// Builds YᵀY + λI + Σ (c − 1) y yᵀ and b = Σ c y, then potrf + potrs. The rank-|row| update is
    /// one BLAS ssyrk on the row's factors scaled by √(c − 1), gathered into one block.
    static func solveExactly(_ columns: UnsafeBufferPointer<Int32>, _ weights: UnsafeBufferPointer<Float>,
                             fixed: FactorMatrix, gram: FactorMatrix, lambda: Float,
                             into x: UnsafeMutablePointer<Float>, _ work: RowScratch) throws {
        let k = fixed.columns, stride = fixed.stride
        guard !columns.isEmpty else {
            // b = 0, so x = 0 whatever the (positive definite) system.
            x.update(repeating: 0, count: k)
            return
        }
        let a = work.system.base, b = work.vectors.row(0)
        a.update(from: gram.base, count: k * stride)
        for c in 0..<k { a[c * stride + c] += lambda }
        DenseVector.zero(b, count: stride)
        let block = work.gatheredRows(columns.count)
        var updates = 0
        for p in 0..<columns.count {
            let y = fixed.row(Int(columns[p]))
            let confidence = weights[p]
            DenseVector.scaleAdd(b, scale: 1, y, times: confidence, count: stride)
            if confidence > 1 {
                let target = block.row(updates)
                DenseVector.zero(target, count: stride)
                DenseVector.scaleAdd(target, scale: 1, y, times: (confidence - 1).squareRoot(), count: stride)
                updates += 1
            }
        }
        // A += GᵀG on the upper triangle (all LAPACK reads), G = the gathered rows.
        if updates > 0 {
            Float.blasSyrkTransposed(n: Int32(k), k: Int32(updates), alpha: 1, a: block.base, lda: Int32(stride), beta: 1,
                                     c: a, ldc: Int32(stride))
        }
        try DenseLinearAlgebra.solveSPDLeading(k: k, lda: stride, a: a, b: b)
        x.update(from: b, count: k)
    }

    /// `steps` conjugate-gradient iterations on the row's normal equations from the current x; A·v is
    /// applied as (YᵀY + λI)v + Σ (c − 1)(y·v) y without forming A.
    static func conjugateGradient(_ columns: UnsafeBufferPointer<Int32>, _ weights: UnsafeBufferPointer<Float>,
                                  fixed: FactorMatrix, gram: FactorMatrix, lambda: Float, steps: Int,
                                  x: UnsafeMutablePointer<Float>, _ work: RowScratch) {
        let stride = fixed.stride
        let r = work.vectors.row(0), p = work.vectors.row(1), ap = work.vectors.row(2)

        /// out = A·v.
        func apply(_ v: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
            symmetricProduct(gram, v, lambda: lambda, into: out)
            accumulateObserved(columns, weights, fixed: fixed, v, into: out) { c, dot in (c - 1) * dot }
        }

        // r = b − A·x with b = Σ c y, in one pass over the row: −(YᵀY + λI)x + Σ (c − (c − 1)(y·x)) y.
        symmetricProduct(gram, x, lambda: lambda, into: r)
        DenseVector.scale(r, by: -1, count: stride)
        accumulateObserved(columns, weights, fixed: fixed, x, into: r) { c, dot in c - (c - 1) * dot }
        p.update(from: r, count: stride)
        var residual = DenseVector.sumOfSquares(r, count: stride)
        for _ in 0..<steps {
            if residual < 1e-20 { break }
            apply(p, ap)
            let curvature = DenseVector.dot(p, ap, count: stride)
            if !(curvature > 0) { break }
            let alpha = residual / curvature
            DenseVector.scaleAdd(x, scale: 1, p, times: alpha, count: stride)
            DenseVector.scaleAdd(r, scale: 1, ap, times: -alpha, count: stride)
            let next = DenseVector.sumOfSquares(r, count: stride)
            DenseVector.scaleAdd(p, scale: next / residual, r, times: 1, count: stride)
            residual = next
        }
    }

    /// out = (G + λI)·v for the symmetric k × k Gram matrix G: v's entries scale G's rows (= its
    /// columns), so the sum is a run of independent multiply-adds with no horizontal reductions,
    /// kept in registers 64 floats at a time (a running sum in memory would chain every row's
    /// add to the previous row's store).
    @inline(__always)
    static func symmetricProduct(_ gram: FactorMatrix, _ v: UnsafeMutablePointer<Float>, lambda: Float,
                                 into out: UnsafeMutablePointer<Float>) {
        typealias Lane = DenseVector.Lane
        let k = gram.columns, stride = gram.stride, lanes = DenseVector.lanes
        var start = 0
        while start + 8 * lanes <= stride {
            var a0 = Lane(), a1 = Lane(), a2 = Lane(), a3 = Lane(), a4 = Lane(), a5 = Lane(), a6 = Lane(), a7 = Lane()
            for a in 0..<k {
                let scale = Lane(repeating: v[a]), row = gram.row(a).advanced(by: start)
                a0 += scale * DenseVector.load(row, 0)
                a1 += scale * DenseVector.load(row, lanes)
                a2 += scale * DenseVector.load(row, 2 * lanes)
                a3 += scale * DenseVector.load(row, 3 * lanes)
                a4 += scale * DenseVector.load(row, 4 * lanes)
                a5 += scale * DenseVector.load(row, 5 * lanes)
                a6 += scale * DenseVector.load(row, 6 * lanes)
                a7 += scale * DenseVector.load(row, 7 * lanes)
            }
            let target = out.advanced(by: start)
            DenseVector.store(a0, target, 0)
            DenseVector.store(a1, target, lanes)
            DenseVector.store(a2, target, 2 * lanes)
            DenseVector.store(a3, target, 3 * lanes)
            DenseVector.store(a4, target, 4 * lanes)
            DenseVector.store(a5, target, 5 * lanes)
            DenseVector.store(a6, target, 6 * lanes)
            DenseVector.store(a7, target, 7 * lanes)
            start += 8 * lanes
        }
        while start < stride {
            var sum = Lane()
            for a in 0..<k { sum += Lane(repeating: v[a]) * DenseVector.load(gram.row(a), start) }
            DenseVector.store(sum, out, start)
            start += lanes
        }
        DenseVector.scaleAdd(out, scale: 1, v, times: lambda, count: stride)
    }

    typealias Row = UnsafeMutablePointer<Float>

    /// Walks the row's observed columns in order, four at a time: `four(q, rows, dots)` gets the
    /// factor rows of columns q…q+3 and their dot products with v, `one(q, row, dot)` each column
    /// left over. The four dot products run as independent chains and are reduced by halving (a
    /// SIMD8 `sum()` is a strict left-to-right chain of seven adds).
    @inline(__always)
    static func observedRows(_ columns: UnsafeBufferPointer<Int32>, fixed: FactorMatrix, _ v: UnsafeMutablePointer<Float>,
                             four: (_ q: Int, _ rows: (Row, Row, Row, Row), _ dots: (Float, Float, Float, Float)) -> Void,
                             one: (_ q: Int, _ row: Row, _ dot: Float) -> Void) {
        typealias Lane = DenseVector.Lane
        let stride = fixed.stride, lanes = DenseVector.lanes
        let count = columns.count
        var q = 0
        while q + 4 <= count {
            let y0 = fixed.row(Int(columns[q])), y1 = fixed.row(Int(columns[q + 1]))
            let y2 = fixed.row(Int(columns[q + 2])), y3 = fixed.row(Int(columns[q + 3]))
            var d0 = Lane(), d1 = Lane(), d2 = Lane(), d3 = Lane()
            var c = 0
            while c < stride {
                let vc = DenseVector.load(v, c)
                d0 += DenseVector.load(y0, c) * vc
                d1 += DenseVector.load(y1, c) * vc
                d2 += DenseVector.load(y2, c) * vc
                d3 += DenseVector.load(y3, c) * vc
                c += lanes
            }
            four(q, (y0, y1, y2, y3), (halvingSum(d0), halvingSum(d1), halvingSum(d2), halvingSum(d3)))
            q += 4
        }
        while q < count {
            let y = fixed.row(Int(columns[q]))
            var d = Lane()
            var c = 0
            while c < stride {
                d += DenseVector.load(y, c) * DenseVector.load(v, c)
                c += lanes
            }
            one(q, y, halvingSum(d))
            q += 1
        }
    }

    /// Calls body(q, y_q·v) for every observed column q in order.
    @inline(__always)
    static func observedDots(_ columns: UnsafeBufferPointer<Int32>, fixed: FactorMatrix, _ v: UnsafeMutablePointer<Float>,
                             _ body: (_ q: Int, _ dot: Float) -> Void) {
        observedRows(columns, fixed: fixed, v, four: { q, _, dots in
            body(q, dots.0)
            body(q + 1, dots.1)
            body(q + 2, dots.2)
            body(q + 3, dots.3)
        }, one: { q, _, dot in body(q, dot) })
    }

    /// The lanes' sum by halving (three dependent adds, not seven).
    @inline(__always)
    static func halvingSum(_ a: DenseVector.Lane) -> Float {
        let half = a.lowHalf + a.highHalf
        let quarter = half.lowHalf + half.highHalf
        return quarter[0] + quarter[1]
    }

    /// out += Σ_q coefficient(c_q, y_q·v) · y_q over the row's observed columns q, the four rows of
    /// each group scaled and added to out in one pass — the CG solver's whole cost is here.
    @inline(__always)
    static func accumulateObserved(_ columns: UnsafeBufferPointer<Int32>, _ weights: UnsafeBufferPointer<Float>,
                                   fixed: FactorMatrix, _ v: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                   coefficient: (_ confidence: Float, _ dot: Float) -> Float) {
        let stride = fixed.stride, lanes = DenseVector.lanes
        observedRows(columns, fixed: fixed, v, four: { q, y, dots in
            let s0 = coefficient(weights[q], dots.0), s1 = coefficient(weights[q + 1], dots.1)
            let s2 = coefficient(weights[q + 2], dots.2), s3 = coefficient(weights[q + 3], dots.3)
            var c = 0
            while c < stride {
                let sum = (s0 * DenseVector.load(y.0, c) + s1 * DenseVector.load(y.1, c))
                    + (s2 * DenseVector.load(y.2, c) + s3 * DenseVector.load(y.3, c))
                DenseVector.store(DenseVector.load(out, c) + sum, out, c)
                c += lanes
            }
        }, one: { q, y, dot in
            DenseVector.scaleAdd(out, scale: 1, y, times: coefficient(weights[q], dot), count: stride)
        })
    }
}

extension DenseLinearAlgebra {
    /// Solves A·x = b for SPD A held in the first k columns of k rows of stride `lda` (only the
    /// row-major upper triangle read), b of length k: potrf + potrs, Float.
    static func solveSPDLeading(k: Int, lda: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>) throws {
        let n = Int32(k), ld = Int32(lda)
        let info = Float.lapackPotrf(n: n, a: a, lda: ld)
        guard info == 0 else { throw LinearAlgebraError.lapack("spotrf", info: info) }
        let solved = Float.lapackPotrs(n: n, nrhs: 1, a: a, lda: ld, b: b, ldb: n)
        guard solved == 0 else { throw LinearAlgebraError.lapack("spotrs", info: solved) }
    }
}
