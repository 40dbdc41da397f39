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
                for r in (rows * part / parts)..<(rows * (part + 1) / parts) {
                    let x = rowFactors.row(r)
                    var total = 0.0
                    for a in 0..<k {
                        total += Double(x[a]) * Double(DenseVector.dot(gram.row(a), x, count: stride))
                    }
                    let columns = confidence.columns(of: r), weights = confidence.values(of: r)
                    for p in 0..<columns.count {
                        let s = Double(DenseVector.dot(x, columnFactors.row(Int(columns[p])), count: stride))
                        total += Double(weights[p]) * (1 - s) * (1 - s) - s * s
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
        let k = fixed.columns, stride = fixed.stride
        let r = work.vectors.row(0), p = work.vectors.row(1), ap = work.vectors.row(2)

        /// out = A·v.
        func apply(_ v: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
            for a in 0..<k { out[a] = DenseVector.dot(gram.row(a), v, count: stride) + lambda * v[a] }
            for q in 0..<columns.count where weights[q] != 1 {
                let y = fixed.row(Int(columns[q]))
                DenseVector.scaleAdd(out, scale: 1, y, times: (weights[q] - 1) * DenseVector.dot(y, v, count: stride), count: stride)
            }
        }

        // r = b − A·x, b = Σ c y.
        apply(x, ap)
        DenseVector.zero(r, count: stride)
        for q in 0..<columns.count {
            DenseVector.scaleAdd(r, scale: 1, fixed.row(Int(columns[q])), times: weights[q], count: stride)
        }
        DenseVector.scaleAdd(r, scale: 1, ap, times: -1, count: stride)
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
