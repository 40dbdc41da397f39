import CBLAS

/// A dense affine map Y = X·W + b over `FactorMatrix` tables (one row per node or example), and its
/// gradients, each one BLAS `sgemm`: the weight layers of NGCF-style models.
///
/// W is a `FactorMatrix` of `inputs` rows × `outputs` columns, b one row of `outputs`; X has
/// `inputs` logical columns, Y `outputs`. Padding columns of Y are never written (they stay zero).
public enum LinearMap {
    /// Y = X·W (+ b on every row).
    public static func apply(_ x: FactorMatrix, _ weights: FactorMatrix, bias: FactorMatrix?, into y: FactorMatrix) {
        precondition(x.columns == weights.rows && y.columns == weights.columns && x.rows == y.rows,
                     "linear map: shapes do not match")
        gemm(transposeA: false, transposeB: false, m: x.rows, n: weights.columns, k: x.columns,
             x.base, x.stride, weights.base, weights.stride, beta: 0, y.base, y.stride)
        if let bias {
            for row in 0..<y.rows {
                DenseVector.scaleAdd(y.row(row), scale: 1, bias.base, times: 1, count: y.stride)
            }
        }
    }

    /// Gradients of Y = X·W + b from ∂L/∂Y: ∂L/∂X (+)= ∂L/∂Y·Wᵀ (added to `inputGradient` when
    /// `accumulate`), ∂L/∂W += Xᵀ·∂L/∂Y, ∂L/∂b += Σ_rows ∂L/∂Y. Pass nil for what is not wanted.
    public static func backward(_ x: FactorMatrix, _ weights: FactorMatrix, outputGradient: FactorMatrix,
                                inputGradient: FactorMatrix?, accumulate: Bool = false,
                                weightGradient: FactorMatrix?, biasGradient: FactorMatrix?) {
        precondition(outputGradient.rows == x.rows && outputGradient.columns == weights.columns
                     && x.columns == weights.rows, "linear map backward: shapes do not match")
        if let inputGradient {
            precondition(inputGradient.rows == x.rows && inputGradient.columns == x.columns, "linear map backward: ∂X shape")
            gemm(transposeA: false, transposeB: true, m: x.rows, n: x.columns, k: weights.columns,
                 outputGradient.base, outputGradient.stride, weights.base, weights.stride,
                 beta: accumulate ? 1 : 0, inputGradient.base, inputGradient.stride)
        }
        if let weightGradient {
            precondition(weightGradient.rows == weights.rows && weightGradient.columns == weights.columns,
                         "linear map backward: ∂W shape")
            gemm(transposeA: true, transposeB: false, m: weights.rows, n: weights.columns, k: x.rows,
                 x.base, x.stride, outputGradient.base, outputGradient.stride, beta: 1, weightGradient.base,
                 weightGradient.stride)
        }
        if let biasGradient {
            // Column sums in Double, row order: the same bits at any thread count.
            var sums = [Double](repeating: 0, count: weights.columns)
            for row in 0..<outputGradient.rows {
                let g = outputGradient.row(row)
                for c in 0..<weights.columns { sums[c] += Double(g[c]) }
            }
            for c in 0..<weights.columns { biasGradient.base[c] += Float(sums[c]) }
        }
    }

    /// C = op(A)·op(B) + beta·C, row-major, logical sizes m × n with inner dimension k.
    private static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                             _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                             beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            if beta == 0 { for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) } }
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
