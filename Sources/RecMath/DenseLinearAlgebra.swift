/// Dense linear algebra shared by the models that need it (EASE, PureSVD, iALS, …): a row-major
/// matrix type, BLAS products, the Gram matrix XᵀX of a sparse matrix, Cholesky solves and inverses
/// of symmetric positive definite matrices, symmetric eigendecomposition, thin and truncated SVD.
/// The hot kernels live here once rather than being rewritten per model (as in benfred/implicit).
///
/// Swift keeps matrices row-major; BLAS is called with `CblasRowMajor`, LAPACK is column-major.
/// The bridges used below, each written where it is used:
///   - a row-major buffer read column-major is the transpose, so a symmetric matrix passes as is
///     (LAPACK's column-major lower triangle is the row-major upper triangle);
///   - for a general matrix A (m × n, row-major) LAPACK sees Aᵀ, and every routine here is called
///     on that transpose with the roles of its outputs swapped (see `svd`), or the buffer is
///     transposed explicitly (QR, multiple right-hand sides).
/// Every LAPACK call checks `info` and throws `LinearAlgebraError` naming the routine.

import CBLAS
import Foundation
import RecKit

// MARK: - Scalars

/// The two real types BLAS and LAPACK compute in. Each requirement forwards to the `s…` (Float) or
/// `d…` (Double) routine with the same arguments; sizes are `Int32` (LP64 OpenBLAS), matrices
/// are in the layout the routine's documentation states. Callers normally use `DenseLinearAlgebra`.
public protocol LAPACKScalar: BinaryFloatingPoint, Sendable {
    /// "s" or "d", for naming the LAPACK routine in errors.
    static var routinePrefix: String { get }
    /// C ← α·op(A)·op(B) + β·C, all row-major.
    static func blasGemm(transposeA: Bool, transposeB: Bool, m: Int32, n: Int32, k: Int32, alpha: Self,
                         a: UnsafePointer<Self>, lda: Int32, b: UnsafePointer<Self>, ldb: Int32, beta: Self,
                         c: UnsafeMutablePointer<Self>, ldc: Int32)
    /// Upper triangle (row-major) of C ← α·AᵀA + β·C, A being k × n row-major.
    static func blasSyrkTransposed(n: Int32, k: Int32, alpha: Self, a: UnsafePointer<Self>, lda: Int32, beta: Self,
                                   c: UnsafeMutablePointer<Self>, ldc: Int32)
    /// LAPACK ?potrf with uplo "L" (column-major). Returns info.
    static func lapackPotrf(n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32) -> Int32
    /// LAPACK ?potrs with uplo "L"; b is column-major n × nrhs. Returns info.
    static func lapackPotrs(n: Int32, nrhs: Int32, a: UnsafePointer<Self>, lda: Int32,
                            b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32
    /// LAPACK ?potri with uplo "L". Returns info.
    static func lapackPotri(n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32) -> Int32
    /// LAPACK ?syevd, jobz "V", uplo "L", with its own workspace query. Returns info.
    static func lapackSyevd(n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, w: UnsafeMutablePointer<Self>) -> Int32
    /// LAPACK ?gesdd, jobz "S", with its own workspace query. Returns info.
    static func lapackGesdd(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, s: UnsafeMutablePointer<Self>,
                            u: UnsafeMutablePointer<Self>, ldu: Int32, vt: UnsafeMutablePointer<Self>, ldvt: Int32) -> Int32
    /// LAPACK ?geqrf followed by ?orgqr: the m × n column-major `a` becomes its Q factor. Returns
    /// (info, routine) of the first call that failed, or (0, "").
    static func lapackOrthonormalize(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32) -> (Int32, String)
}

/// LAPACK's workspace query writes the optimal size as a floating-point number.
private func workspaceSize<S: LAPACKScalar>(_ query: S) -> Int32 { max(1, Int32(min(Double(query), Double(Int32.max)))) }

extension Float: LAPACKScalar {
    public static var routinePrefix: String { "s" }

    public static func blasGemm(transposeA: Bool, transposeB: Bool, m: Int32, n: Int32, k: Int32, alpha: Float,
                                a: UnsafePointer<Float>, lda: Int32, b: UnsafePointer<Float>, ldb: Int32, beta: Float,
                                c: UnsafeMutablePointer<Float>, ldc: Int32) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    public static func blasSyrkTransposed(n: Int32, k: Int32, alpha: Float, a: UnsafePointer<Float>, lda: Int32,
                                          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int32) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, n, k, alpha, a, lda, beta, c, ldc)
    }

    public static func lapackPotrf(n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32) -> Int32 {
        var (n, lda, info) = (n, lda, Int32(0))
        spotrf_("L", &n, a, &lda, &info, 1)
        return info
    }

    public static func lapackPotrs(n: Int32, nrhs: Int32, a: UnsafePointer<Float>, lda: Int32,
                                   b: UnsafeMutablePointer<Float>, ldb: Int32) -> Int32 {
        var (n, nrhs, lda, ldb, info) = (n, nrhs, lda, ldb, Int32(0))
        spotrs_("L", &n, &nrhs, a, &lda, b, &ldb, &info, 1)
        return info
    }

    public static func lapackPotri(n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32) -> Int32 {
        var (n, lda, info) = (n, lda, Int32(0))
        spotri_("L", &n, a, &lda, &info, 1)
        return info
    }

    public static func lapackSyevd(n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, w: UnsafeMutablePointer<Float>) -> Int32 {
        var (n, lda, info) = (n, lda, Int32(0))
        var query: Float = 0, iquery: Int32 = 0, lwork: Int32 = -1, liwork: Int32 = -1
        ssyevd_("V", "L", &n, a, &lda, w, &query, &lwork, &iquery, &liwork, &info, 1, 1)
        guard info == 0 else { return info }
        lwork = workspaceSize(query)
        liwork = max(1, iquery)
        var work = [Float](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
        ssyevd_("V", "L", &n, a, &lda, w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        return info
    }

    public static func lapackGesdd(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, s: UnsafeMutablePointer<Float>,
                                   u: UnsafeMutablePointer<Float>, ldu: Int32, vt: UnsafeMutablePointer<Float>, ldvt: Int32) -> Int32 {
        var (m, n, lda, ldu, ldvt, info) = (m, n, lda, ldu, ldvt, Int32(0))
        var iwork = [Int32](repeating: 0, count: 8 * Int(min(m, n)))
        var query: Float = 0, lwork: Int32 = -1
        sgesdd_("S", &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &query, &lwork, &iwork, &info, 1)
        guard info == 0 else { return info }
        lwork = workspaceSize(query)
        var work = [Float](repeating: 0, count: Int(lwork))
        sgesdd_("S", &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &work, &lwork, &iwork, &info, 1)
        return info
    }

    public static func lapackOrthonormalize(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32) -> (Int32, String) {
        var (m, n, lda, info) = (m, n, lda, Int32(0))
        var tau = [Float](repeating: 0, count: Int(max(1, min(m, n))))
        var query: Float = 0, lwork: Int32 = -1
        sgeqrf_(&m, &n, a, &lda, &tau, &query, &lwork, &info)
        guard info == 0 else { return (info, "sgeqrf") }
        lwork = workspaceSize(query)
        var work = [Float](repeating: 0, count: Int(lwork))
        sgeqrf_(&m, &n, a, &lda, &tau, &work, &lwork, &info)
        guard info == 0 else { return (info, "sgeqrf") }
        var k = n
        lwork = -1
        sorgqr_(&m, &n, &k, a, &lda, &tau, &query, &lwork, &info)
        guard info == 0 else { return (info, "sorgqr") }
        lwork = workspaceSize(query)
        work = [Float](repeating: 0, count: Int(lwork))
        sorgqr_(&m, &n, &k, a, &lda, &tau, &work, &lwork, &info)
        return info == 0 ? (0, "") : (info, "sorgqr")
    }
}

extension Double: LAPACKScalar {
    public static var routinePrefix: String { "d" }

    public static func blasGemm(transposeA: Bool, transposeB: Bool, m: Int32, n: Int32, k: Int32, alpha: Double,
                                a: UnsafePointer<Double>, lda: Int32, b: UnsafePointer<Double>, ldb: Int32, beta: Double,
                                c: UnsafeMutablePointer<Double>, ldc: Int32) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    public static func blasSyrkTransposed(n: Int32, k: Int32, alpha: Double, a: UnsafePointer<Double>, lda: Int32,
                                          beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int32) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, k, alpha, a, lda, beta, c, ldc)
    }

    public static func lapackPotrf(n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32) -> Int32 {
        var (n, lda, info) = (n, lda, Int32(0))
        dpotrf_("L", &n, a, &lda, &info, 1)
        return info
    }

    public static func lapackPotrs(n: Int32, nrhs: Int32, a: UnsafePointer<Double>, lda: Int32,
                                   b: UnsafeMutablePointer<Double>, ldb: Int32) -> Int32 {
        var (n, nrhs, lda, ldb, info) = (n, nrhs, lda, ldb, Int32(0))
        dpotrs_("L", &n, &nrhs, a, &lda, b, &ldb, &info, 1)
        return info
    }

    public static func lapackPotri(n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32) -> Int32 {
        var (n, lda, info) = (n, lda, Int32(0))
        dpotri_("L", &n, a, &lda, &info, 1)
        return info
    }

    public static func lapackSyevd(n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, w: UnsafeMutablePointer<Double>) -> Int32 {
        var (n, lda, info) = (n, lda, Int32(0))
        var query: Double = 0, iquery: Int32 = 0, lwork: Int32 = -1, liwork: Int32 = -1
        dsyevd_("V", "L", &n, a, &lda, w, &query, &lwork, &iquery, &liwork, &info, 1, 1)
        guard info == 0 else { return info }
        lwork = workspaceSize(query)
        liwork = max(1, iquery)
        var work = [Double](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_("V", "L", &n, a, &lda, w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        return info
    }

    public static func lapackGesdd(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, s: UnsafeMutablePointer<Double>,
                                   u: UnsafeMutablePointer<Double>, ldu: Int32, vt: UnsafeMutablePointer<Double>, ldvt: Int32) -> Int32 {
        var (m, n, lda, ldu, ldvt, info) = (m, n, lda, ldu, ldvt, Int32(0))
        var iwork = [Int32](repeating: 0, count: 8 * Int(min(m, n)))
        var query: Double = 0, lwork: Int32 = -1
        dgesdd_("S", &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &query, &lwork, &iwork, &info, 1)
        guard info == 0 else { return info }
        lwork = workspaceSize(query)
        var work = [Double](repeating: 0, count: Int(lwork))
        dgesdd_("S", &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &work, &lwork, &iwork, &info, 1)
        return info
    }

    public static func lapackOrthonormalize(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32) -> (Int32, String) {
        var (m, n, lda, info) = (m, n, lda, Int32(0))
        var tau = [Double](repeating: 0, count: Int(max(1, min(m, n))))
        var query: Double = 0, lwork: Int32 = -1
        dgeqrf_(&m, &n, a, &lda, &tau, &query, &lwork, &info)
        guard info == 0 else { return (info, "dgeqrf") }
        lwork = workspaceSize(query)
        var work = [Double](repeating: 0, count: Int(lwork))
        dgeqrf_(&m, &n, a, &lda, &tau, &work, &lwork, &info)
        guard info == 0 else { return (info, "dgeqrf") }
        var k = n
        lwork = -1
        dorgqr_(&m, &n, &k, a, &lda, &tau, &query, &lwork, &info)
        guard info == 0 else { return (info, "dorgqr") }
        lwork = workspaceSize(query)
        work = [Double](repeating: 0, count: Int(lwork))
        dorgqr_(&m, &n, &k, a, &lda, &tau, &work, &lwork, &info)
        return info == 0 ? (0, "") : (info, "dorgqr")
    }
}

// MARK: - Errors

/// A failed dense computation: a LAPACK routine's non-zero `info` (with what it means for that
/// routine), or operands whose sizes do not fit.
public struct LinearAlgebraError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// What LAPACK's `info` means: negative = an argument was illegal (a bug here), positive =
    /// routine-specific numerical failure.
    static func lapack(_ routine: String, info: Int32) -> LinearAlgebraError {
        if info < 0 { return LinearAlgebraError("\(routine): argument \(-info) had an illegal value") }
        let name = routine.dropFirst()
        switch name {
        case "potrf":
            return LinearAlgebraError("\(routine): the matrix is not positive definite (leading minor of order \(info) is not); add regularisation")
        case "potri":
            return LinearAlgebraError("\(routine): the matrix is singular (diagonal element \(info) of its Cholesky factor is zero)")
        case "syevd":
            return LinearAlgebraError("\(routine): the eigenvalue algorithm failed to converge (info \(info))")
        case "gesdd":
            return LinearAlgebraError("\(routine): the SVD failed to converge (info \(info))")
        default:
            return LinearAlgebraError("\(routine) failed with info \(info)")
        }
    }
}

// MARK: - Matrix

/// A dense matrix stored row-major in a Swift array: entry (r, c) is `values[r * columns + c]`.
public struct DenseMatrix<Scalar: LAPACKScalar>: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public var values: [Scalar]

    /// A matrix with every entry `value` (zero by default).
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "negative matrix size")
        self.rows = rows
        self.columns = columns
        values = [Scalar](repeating: value, count: rows * columns)
    }

    /// A matrix from its entries in row-major order.
    public init(rows: Int, columns: Int, values: [Scalar]) throws {
        guard rows >= 0, columns >= 0, values.count == rows * columns else {
            throw LinearAlgebraError("a \(rows) × \(columns) matrix needs \(max(0, rows * columns)) values, got \(values.count)")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A matrix from its rows (all of the same length).
    public init(_ rowArrays: [[Scalar]]) throws {
        let columns = rowArrays.first?.count ?? 0
        guard rowArrays.allSatisfy({ $0.count == columns }) else { throw LinearAlgebraError("rows differ in length") }
        try self.init(rows: rowArrays.count, columns: columns, values: rowArrays.flatMap { $0 })
    }

    public static func identity(_ n: Int) -> DenseMatrix {
        var matrix = DenseMatrix(rows: n, columns: n)
        for i in 0..<n { matrix.values[i * n + i] = 1 }
        return matrix
    }

    @inlinable public subscript(row: Int, column: Int) -> Scalar {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    public var isSquare: Bool { rows == columns }

    public func row(_ row: Int) -> ArraySlice<Scalar> { values[(row * columns)..<((row + 1) * columns)] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func transposed() -> DenseMatrix {
        var result = DenseMatrix(rows: columns, columns: rows)
        guard !values.isEmpty else { return result }
        values.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { target in
                DenseLinearAlgebra.transpose(source.baseAddress!, rows: rows, columns: columns, into: target.baseAddress!)
            }
        }
        return result
    }

    /// The same entries in another precision.
    public func converted<Other: LAPACKScalar>(to: Other.Type = Other.self) -> DenseMatrix<Other> {
        var result = DenseMatrix<Other>(rows: rows, columns: columns)
        for k in values.indices { result.values[k] = Other(values[k]) }
        return result
    }

    /// The first `count` columns (count ≤ columns).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func leadingColumns(_ count: Int) -> DenseMatrix {
        precondition(count >= 0 && count <= columns, "column count out of range")
        var result = DenseMatrix(rows: rows, columns: count)
        for r in 0..<rows {
            for c in 0..<count { result.values[r * count + c] = values[r * columns + c] }
        }
        return result
    }

    /// The first `count` rows (count ≤ rows).
    public func leadingRows(_ count: Int) -> DenseMatrix {
        precondition(count >= 0 && count <= rows, "row count out of range")
        return DenseMatrix(uncheckedRows: count, columns: columns, values: Array(values.prefix(count * columns)))
    }

    init(uncheckedRows rows: Int, columns: Int, values: [Scalar]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Largest |aᵢⱼ − bᵢⱼ| (∞ when the shapes differ): for tests and diagnostics.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func maxAbsDifference(_ other: DenseMatrix) -> Scalar {
        guard rows == other.rows, columns == other.columns else { return .infinity }
        var worst: Scalar = 0
        for k in values.indices { worst = Swift.max(worst, abs(values[k] - other.values[k])) }
        return worst
    }
}

// MARK: - Kernels

/// The kernels. Functions taking `DenseMatrix` are the convenient form; those taking raw pointers
/// are for hot loops that keep their own buffers.
public enum DenseLinearAlgebra {
    /// Fails unless `value` fits LAPACK's 32-bit integers.
    static func int32(_ value: Int, _ what: String) throws -> Int32 {
        guard value >= 0, value <= Int(Int32.max) else { throw LinearAlgebraError("\(what) = \(value) exceeds LAPACK's 32-bit sizes") }
        return Int32(value)
    }

    /// target (columns × rows) = sourceᵀ, both row-major; 32 × 32 tiles keep both sides in cache.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func transpose<S>(_ source: UnsafePointer<S>, rows: Int, columns: Int, into target: UnsafeMutablePointer<S>) {
        let tile = 32
        for r0 in stride(from: 0, to: rows, by: tile) {
            for c0 in stride(from: 0, to: columns, by: tile) {
                for r in r0..<min(r0 + tile, rows) {
                    for c in c0..<min(c0 + tile, columns) { target[c * rows + r] = source[r * columns + c] }
                }
            }
        }
    }

    // MARK: Products

    /// Row-major GEMM on raw buffers: C (m × n) ← α·op(A)·op(B) + β·C, op(A) m × k, op(B) k × n.
    /// `lda`, `ldb`, `ldc` are the row strides of the buffers as stored.
    @inlinable
    public static func gemm<S: LAPACKScalar>(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                                            alpha: S = 1, a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, ldb: Int,
                                            beta: S = 0, c: UnsafeMutablePointer<S>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        S.blasGemm(transposeA: transposeA, transposeB: transposeB, m: Int32(m), n: Int32(n), k: Int32(k), alpha: alpha,
                   a: a, lda: Int32(lda), b: b, ldb: Int32(ldb), beta: beta, c: c, ldc: Int32(ldc))
    }

    /// op(A)·op(B), checking that the inner sizes agree.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func multiply<S>(_ a: DenseMatrix<S>, _ b: DenseMatrix<S>, transposeA: Bool = false,
                                   transposeB: Bool = false) throws -> DenseMatrix<S> {
        let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        guard k == kb else {
            throw LinearAlgebraError("cannot multiply \(m) × \(k) by \(kb) × \(n): inner sizes differ")
        }
        _ = try int32(max(m, n, k), "matrix size")
        var c = DenseMatrix<S>(rows: m, columns: n)
        guard m > 0, n > 0, k > 0 else { return c }
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: pa.baseAddress!,
                         lda: max(1, a.columns), b: pb.baseAddress!, ldb: max(1, b.columns), c: pc.baseAddress!, ldc: max(1, n))
                }
            }
        }
        return c
    }

    /// The Gram matrix XᵀX (columns × columns) of a sparse matrix, in Double: entry (i, j) sums
    /// x_ui·x_uj over the rows u having both, in row order. With `binarize` every stored value counts
    /// as 1, so entry (i, j) is the number of rows with both columns (the item co-occurrence count);
    /// such sums are exact. Work Σ_u nnz(u)² (each row's outer product of its own entries), split over
    /// threads by ranges of output rows, so every entry is summed in the same order whatever the
    /// thread count.
    public static func gram(of x: CSRView, binarize: Bool, threadCount: Int = 1) -> DenseMatrix<Double> {
        let n = x.columnCount
        var result = DenseMatrix<Double>(rows: n, columns: n)
        guard n > 0, x.nonZeroCount > 0 else { return result }
        result.values.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            let indptr = x.indptr, indices = x.indices, values = x.values
            // Enough ranges that uneven item popularity still balances over the threads.
            let parts = min(n, max(1, threadCount) * 8)
            forEachPart(parts, threadCount: threadCount) { part in
                let low = Int32(n * part / parts), high = Int32(n * (part + 1) / parts)
                for u in 0..<x.rowCount {
                    let start = Int(indptr[u]), end = Int(indptr[u + 1])
                    guard start < end else { continue }
                    // Columns are ascending: find the first one in [low, high) by bisection.
                    var lo = start, hi = end
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if indices[mid] < low { lo = mid + 1 } else { hi = mid }
                    }
                    var p = lo
                    while p < end, indices[p] < high {
                        let row = base + Int(indices[p]) * n
                        if binarize {
                            for q in start..<end { row[Int(indices[q])] += 1 }
                        } else {
                            let weight = Double(values[p])
                            for q in start..<end { row[Int(indices[q])] += weight * Double(values[q]) }
                        }
                        p += 1
                    }
                }
            }
        }
        return result
    }

    /// Sparse × dense: out (r × columns, row-major, stride `columns`) = X[rows]·D, where `rows` picks
    /// r rows of X (nil: every row, in order) and D is X.columnCount × columns, row-major with row
    /// stride `ldd`. Each output row sums its entries' rows of D in column order, so results do
    /// not depend on the thread count. An out-of-range row id is an error.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    @inlinable
    public static func multiply<S: LAPACKScalar>(sparse x: CSRView, rows: UnsafeBufferPointer<Int32>? = nil,
                                                 dense d: UnsafePointer<S>, columns: Int, ldd: Int? = nil,
                                                 into out: UnsafeMutablePointer<S>, threadCount: Int = 1) throws {
        let count = rows?.count ?? x.rowCount
        if let rows {
            for row in rows where row < 0 || Int(row) >= x.rowCount {
                throw LinearAlgebraError("row \(row) is outside a matrix of \(x.rowCount) rows")
            }
        }
        let stride = ldd ?? columns
        let indptr = x.indptr, indices = x.indices, values = x.values
        let parts = min(count, max(1, threadCount) * 4)
        guard parts > 0 else { return }
        forEachPart(parts, threadCount: threadCount) { part in
            for r in (count * part / parts)..<(count * (part + 1) / parts) {
                let source = rows.map { Int($0[r]) } ?? r
                let target = out + r * columns
                target.update(repeating: 0, count: columns)
                for p in Int(indptr[source])..<Int(indptr[source + 1]) {
                    let weight = S(values[p])
                    let row = d + Int(indices[p]) * stride
                    for c in 0..<columns { target[c] += weight * row[c] }
                }
            }
        }
    }

    /// Xᵀ as a new CSR matrix (columns × rows); its rows list their columns ascending.
    public static func transpose(_ x: CSRView) throws -> CSRMatrix {
        var rowIDs = [Int32](repeating: 0, count: x.nonZeroCount)
        for u in 0..<x.rowCount {
            for p in Int(x.indptr[u])..<Int(x.indptr[u + 1]) { rowIDs[p] = Int32(u) }
        }
        return try CSRMatrix(rowCount: x.columnCount, columnCount: x.rowCount, rows: Array(x.indices), columns: rowIDs,
                             values: Array(x.values))
    }

    /// An owned copy of a borrowed CSR matrix (the host's training matrix lives only during `fit`),
    /// optionally with every stored value replaced by 1.
    public static func copy(_ x: CSRView, binarize: Bool = false) throws -> CSRMatrix {
        var rowIDs = [Int32](repeating: 0, count: x.nonZeroCount)
        for u in 0..<x.rowCount {
            for p in Int(x.indptr[u])..<Int(x.indptr[u + 1]) { rowIDs[p] = Int32(u) }
        }
        let values = binarize ? [Float](repeating: 1, count: x.nonZeroCount) : Array(x.values)
        return try CSRMatrix(rowCount: x.rowCount, columnCount: x.columnCount, rows: rowIDs, columns: Array(x.indices),
                             values: values)
    }

    /// The sparse matrix as a dense row-major one.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func densify<S: LAPACKScalar>(_ x: CSRView, as: S.Type = S.self) -> DenseMatrix<S> {
        var result = DenseMatrix<S>(rows: x.rowCount, columns: x.columnCount)
        for u in 0..<x.rowCount {
            for p in Int(x.indptr[u])..<Int(x.indptr[u + 1]) {
                result.values[u * x.columnCount + Int(x.indices[p])] = S(x.values[p])
            }
        }
        return result
    }

    // MARK: Symmetric positive definite systems

    /// Solves A·X = B in place for SPD A (n × n, only its upper triangle read, row-major) by
    /// Cholesky (potrf, potrs): `a` is overwritten by the factor, `b` holds `rightHandSides`
    /// vectors of length n one after another and receives the solutions the same way.
    public static func solveSPDInPlace<S: LAPACKScalar>(n: Int, a: UnsafeMutablePointer<S>, b: UnsafeMutablePointer<S>,
                                                        rightHandSides: Int = 1) throws {
        guard n > 0 else { return }
        let n32 = try int32(n, "matrix size"), nrhs = try int32(rightHandSides, "right-hand sides")
        // Row-major upper = column-major lower: LAPACK's "L".
        let info = S.lapackPotrf(n: n32, a: a, lda: n32)
        guard info == 0 else { throw LinearAlgebraError.lapack(S.routinePrefix + "potrf", info: info) }
        let solved = S.lapackPotrs(n: n32, nrhs: nrhs, a: a, lda: n32, b: b, ldb: n32)
        guard solved == 0 else { throw LinearAlgebraError.lapack(S.routinePrefix + "potrs", info: solved) }
    }

    /// X with A·X = B, A symmetric positive definite (n × n), B n × m.
    public static func solveSPD<S>(_ a: DenseMatrix<S>, _ b: DenseMatrix<S>) throws -> DenseMatrix<S> {
        try CholeskyFactorization(a).solve(b)
    }

    /// Inverts an SPD matrix in place (potrf + potri), then copies the computed triangle to the
    /// other so the result is exactly symmetric. Only the upper triangle of the input is read.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func invertSPDInPlace<S>(_ a: inout DenseMatrix<S>) throws {
        guard a.isSquare else { throw LinearAlgebraError("cannot invert a non-square \(a.rows) × \(a.columns) matrix") }
        let n = a.rows
        guard n > 0 else { return }
        let n32 = try int32(n, "matrix size")
        try a.values.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            var info = S.lapackPotrf(n: n32, a: base, lda: n32)
            guard info == 0 else { throw LinearAlgebraError.lapack(S.routinePrefix + "potrf", info: info) }
            info = S.lapackPotri(n: n32, a: base, lda: n32)
            guard info == 0 else { throw LinearAlgebraError.lapack(S.routinePrefix + "potri", info: info) }
            mirrorUpperToLower(base, n: n)
        }
    }

    /// The inverse of an SPD matrix (a copy; see `invertSPDInPlace`).
    public static func inverseSPD<S>(_ a: DenseMatrix<S>) throws -> DenseMatrix<S> {
        var copy = a
        try invertSPDInPlace(&copy)
        return copy
    }

    /// Row-major lower triangle ← upper triangle, in tiles (the column-major "L" output of LAPACK is
    /// the row-major upper triangle).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func mirrorUpperToLower<S>(_ a: UnsafeMutablePointer<S>, n: Int) {
        let tile = 32
        for i0 in stride(from: 0, to: n, by: tile) {
            for j0 in stride(from: 0, through: i0, by: tile) {
                for i in i0..<min(i0 + tile, n) {
                    for j in j0..<min(j0 + tile, i) { a[i * n + j] = a[j * n + i] }
                }
            }
        }
    }

    // MARK: Decompositions

    /// Eigenvalues (ascending) and eigenvectors of a symmetric matrix (syevd, divide and conquer).
    /// Only the upper triangle is read.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func symmetricEigen<S>(_ a: DenseMatrix<S>) throws -> SymmetricEigendecomposition<S> {
        guard a.isSquare else { throw LinearAlgebraError("eigendecomposition of a non-square \(a.rows) × \(a.columns) matrix") }
        let n = a.rows
        var work = a.values
        var values = [S](repeating: 0, count: n)
        if n > 0 {
            let n32 = try int32(n, "matrix size")
            let info = work.withUnsafeMutableBufferPointer { w in
                values.withUnsafeMutableBufferPointer { S.lapackSyevd(n: n32, a: w.baseAddress!, lda: n32, w: $0.baseAddress!) }
            }
            guard info == 0 else { throw LinearAlgebraError.lapack(S.routinePrefix + "syevd", info: info) }
        }
        // LAPACK leaves eigenvector j in column j column-major, i.e. in row j row-major: transpose so
        // that column j of the result is eigenvector j (numpy's eigh convention).
        let byRows = DenseMatrix(uncheckedRows: n, columns: n, values: work)
        return SymmetricEigendecomposition(values: values, vectors: byRows.transposed())
    }

    /// Thin SVD A = U·diag(s)·Vᵀ of a dense m × n matrix (gesdd, divide and conquer): U m × r,
    /// s descending, Vᵀ r × n, r = min(m, n).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func svd<S>(_ a: DenseMatrix<S>) throws -> SingularValueDecomposition<S> {
        let m = a.rows, n = a.columns, r = min(m, n)
        guard r > 0 else {
            return SingularValueDecomposition(u: DenseMatrix(rows: m, columns: 0), singularValues: [],
                                              vt: DenseMatrix(rows: 0, columns: n))
        }
        let m32 = try int32(m, "rows"), n32 = try int32(n, "columns"), r32 = Int32(r)
        // LAPACK reads the row-major A as the column-major Aᵀ (n × m) = V·Σ·Uᵀ, so its "U" is our V
        // (n × r column-major = Vᵀ r × n row-major) and its "Vᵀ" is our Uᵀ (r × m column-major =
        // U m × r row-major): both land in our layout with no copy.
        var work = a.values
        var s = [S](repeating: 0, count: r)
        var vt = [S](repeating: 0, count: r * n)
        var u = [S](repeating: 0, count: m * r)
        let info = work.withUnsafeMutableBufferPointer { w in
            s.withUnsafeMutableBufferPointer { sp in
                vt.withUnsafeMutableBufferPointer { vp in
                    u.withUnsafeMutableBufferPointer { up in
                        S.lapackGesdd(m: n32, n: m32, a: w.baseAddress!, lda: n32, s: sp.baseAddress!,
                                      u: vp.baseAddress!, ldu: n32, vt: up.baseAddress!, ldvt: r32)
                    }
                }
            }
        }
        guard info == 0 else { throw LinearAlgebraError.lapack(S.routinePrefix + "gesdd", info: info) }
        return SingularValueDecomposition(u: DenseMatrix(uncheckedRows: m, columns: r, values: u), singularValues: s,
                                          vt: DenseMatrix(uncheckedRows: r, columns: n, values: vt))
    }

    /// An orthonormal basis of the column space of a (m × l, m ≥ l, full column rank expected):
    /// the Q of its QR factorisation (geqrf + orgqr), m × l.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func orthonormalizeColumns<S>(_ a: DenseMatrix<S>) throws -> DenseMatrix<S> {
        let m = a.rows, l = a.columns
        guard m >= l else { throw LinearAlgebraError("cannot orthonormalise \(l) columns of length \(m) (need rows ≥ columns)") }
        guard l > 0 else { return a }
        let m32 = try int32(m, "rows"), l32 = try int32(l, "columns")
        // Column-major A is the row-major Aᵀ.
        var columnMajor = a.transposed()
        let (info, routine) = columnMajor.values.withUnsafeMutableBufferPointer {
            S.lapackOrthonormalize(m: m32, n: l32, a: $0.baseAddress!, lda: m32)
        }
        guard info == 0 else { throw LinearAlgebraError.lapack(routine, info: info) }
        return columnMajor.transposed()
    }

    // MARK: Threads

    /// Runs `body(part, worker)` for every part in 0..<parts on up to `threadCount` threads: worker
    /// t (0-based) takes parts t, t + T, t + 2T, … (T workers), so per-worker scratch indexed by
    /// `worker` is never shared. The parts must write disjoint memory; results then never depend
    /// on the thread count.
    public static func forEachPart(_ parts: Int, threadCount: Int, _ body: (_ part: Int, _ worker: Int) -> Void) {
        let workers = min(parts, max(1, threadCount))
        if workers <= 1 {
            for part in 0..<parts { body(part, 0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = SendableBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for part in stride(from: worker, to: parts, by: workers) { shared.value(part, worker) }
            }
        }
    }

    /// `forEachPart` for bodies that need no per-worker scratch.
    public static func forEachPart(_ parts: Int, threadCount: Int, _ body: (_ part: Int) -> Void) {
        forEachPart(parts, threadCount: threadCount) { part, _ in body(part) }
    }

    /// How many workers `forEachPart` uses.
    public static func workerCount(parts: Int, threadCount: Int) -> Int { max(1, min(parts, max(1, threadCount))) }
}

/// Hands a closure to `concurrentPerform`, whose closure must be Sendable; callers guarantee the
/// parts write disjoint memory.
struct SendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

// MARK: - Results

/// A = V·diag(values)·Vᵀ: `values` ascending, column j of `vectors` the unit eigenvector of values[j].
public struct SymmetricEigendecomposition<Scalar: LAPACKScalar>: Sendable {
    public let values: [Scalar]
    public let vectors: DenseMatrix<Scalar>
}

/// A ≈ U·diag(singularValues)·Vᵀ with singular values descending; `u` is m × r, `vt` r × n.
public struct SingularValueDecomposition<Scalar: LAPACKScalar>: Sendable {
    public let u: DenseMatrix<Scalar>
    public let singularValues: [Scalar]
    public let vt: DenseMatrix<Scalar>

    public var rank: Int { singularValues.count }

    /// The leading `k` triplets.
    public func truncated(to k: Int) -> SingularValueDecomposition {
        let k = min(k, rank)
        return SingularValueDecomposition(u: u.leadingColumns(k), singularValues: Array(singularValues.prefix(k)),
                                          vt: vt.leadingRows(k))
    }
}

/// Cholesky factorisation A = L·Lᵀ of a symmetric positive definite matrix, reusable for many
/// solves and for the inverse.
public struct CholeskyFactorization<Scalar: LAPACKScalar>: Sendable {
    public let dimension: Int
    /// LAPACK's "L" factor column-major (= the row-major upper triangle holds Lᵀ).
    private var factor: [Scalar]

    /// Factors `a` (only its upper triangle is read); throws when it is not positive definite.
    public init(_ a: DenseMatrix<Scalar>) throws {
        guard a.isSquare else { throw LinearAlgebraError("Cholesky of a non-square \(a.rows) × \(a.columns) matrix") }
        dimension = a.rows
        factor = a.values
        guard dimension > 0 else { return }
        let n32 = try DenseLinearAlgebra.int32(dimension, "matrix size")
        let info = factor.withUnsafeMutableBufferPointer { Scalar.lapackPotrf(n: n32, a: $0.baseAddress!, lda: n32) }
        guard info == 0 else { throw LinearAlgebraError.lapack(Scalar.routinePrefix + "potrf", info: info) }
    }

    /// X with A·X = B (B n × m).
    public func solve(_ b: DenseMatrix<Scalar>) throws -> DenseMatrix<Scalar> {
        guard b.rows == dimension else {
            throw LinearAlgebraError("right-hand side has \(b.rows) rows, the system \(dimension)")
        }
        guard dimension > 0, b.columns > 0 else { return b }
        // potrs wants each right-hand side contiguous (column-major n × m): that is the row-major Bᵀ.
        var columns = b.transposed()
        try solveInPlace(&columns.values, rightHandSides: b.columns)
        return columns.transposed()
    }

    /// x with A·x = b.
    public func solve(_ b: [Scalar]) throws -> [Scalar] {
        guard b.count == dimension else { throw LinearAlgebraError("right-hand side has \(b.count) entries, the system \(dimension)") }
        var x = b
        if dimension > 0 { try solveInPlace(&x, rightHandSides: 1) }
        return x
    }

    private func solveInPlace(_ b: inout [Scalar], rightHandSides: Int) throws {
        let n32 = Int32(dimension), nrhs = try DenseLinearAlgebra.int32(rightHandSides, "right-hand sides")
        let info = factor.withUnsafeBufferPointer { f in
            b.withUnsafeMutableBufferPointer { Scalar.lapackPotrs(n: n32, nrhs: nrhs, a: f.baseAddress!, lda: n32, b: $0.baseAddress!, ldb: n32) }
        }
        guard info == 0 else { throw LinearAlgebraError.lapack(Scalar.routinePrefix + "potrs", info: info) }
    }

    /// A⁻¹ from the factor (potri), symmetrised.
    public func inverse() throws -> DenseMatrix<Scalar> {
        var values = factor
        if dimension > 0 {
            let n32 = Int32(dimension)
            let info = values.withUnsafeMutableBufferPointer { Scalar.lapackPotri(n: n32, a: $0.baseAddress!, lda: n32) }
            guard info == 0 else { throw LinearAlgebraError.lapack(Scalar.routinePrefix + "potri", info: info) }
            values.withUnsafeMutableBufferPointer { DenseLinearAlgebra.mirrorUpperToLower($0.baseAddress!, n: dimension) }
        }
        return DenseMatrix(uncheckedRows: dimension, columns: dimension, values: values)
    }
}

// MARK: - Truncated SVD of a sparse matrix

/// The leading k singular triplets of a sparse matrix X (m × n).
public enum TruncatedSVD {
    /// Exact: X densified (m·n entries) and decomposed by gesdd, then cut to k.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func exact<S: LAPACKScalar>(_ x: CSRView, rank k: Int, as: S.Type = S.self) throws -> SingularValueDecomposition<S> {
        guard k >= 1 else { throw LinearAlgebraError("truncated SVD needs rank ≥ 1, got \(k)") }
        return try DenseLinearAlgebra.svd(DenseLinearAlgebra.densify(x, as: S.self)).truncated(to: k)
    }

    /// Randomized subspace iteration (Halko, Martinsson & Tropp 2011, Algorithm 4.4 with the
    /// rank-k truncation of §5.1): a Gaussian test matrix Ω (n × l, l = k + oversampling, drawn
    /// row by row from `SeededGenerator(seed)`), Q = orth(XΩ), then `powerIterations` times
    /// Q = orth(X·orth(XᵀQ)) — re-orthonormalising after every product so the small singular
    /// values are not lost to rounding — and finally the exact SVD of the small l × n B = QᵀX:
    /// U = Q·U_B, Vᵀ = V_Bᵀ. Only products with X and Xᵀ touch the data (O(nnz·l) each).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func randomized<S: LAPACKScalar>(_ x: CSRView, rank k: Int, oversampling: Int, powerIterations: Int,
                                                   seed: UInt64, threadCount: Int = 1, as: S.Type = S.self) throws -> SingularValueDecomposition<S> {
        let m = x.rowCount, n = x.columnCount
        guard k >= 1 else { throw LinearAlgebraError("truncated SVD needs rank ≥ 1, got \(k)") }
        guard oversampling >= 0, powerIterations >= 0 else {
            throw LinearAlgebraError("oversampling and power iterations must be ≥ 0")
        }
        let l = min(k + oversampling, m, n)
        guard l > 0 else { return try exact(x, rank: k, as: S.self) }
        let transposed = try DenseLinearAlgebra.transpose(x)

        var generator = SeededGenerator(seed: seed)
        var omega = DenseMatrix<S>(rows: n, columns: l)
        for index in omega.values.indices { omega.values[index] = S(generator.nextGaussian()) }

        /// X·D (m × l) for D n × l, or Xᵀ·D (n × l) for D m × l.
        func product(_ d: DenseMatrix<S>, transposed useTranspose: Bool) throws -> DenseMatrix<S> {
            var out = DenseMatrix<S>(rows: useTranspose ? n : m, columns: l)
            try d.values.withUnsafeBufferPointer { dp in
                try out.values.withUnsafeMutableBufferPointer { op in
                    if useTranspose {
                        try transposed.withView {
                            try DenseLinearAlgebra.multiply(sparse: $0, dense: dp.baseAddress!, columns: l, into: op.baseAddress!,
                                                            threadCount: threadCount)
                        }
                    } else {
                        try DenseLinearAlgebra.multiply(sparse: x, dense: dp.baseAddress!, columns: l, into: op.baseAddress!,
                                                        threadCount: threadCount)
                    }
                }
            }
            return out
        }

        var q = try DenseLinearAlgebra.orthonormalizeColumns(product(omega, transposed: false))
        for _ in 0..<powerIterations {
            let z = try DenseLinearAlgebra.orthonormalizeColumns(product(q, transposed: true))
            q = try DenseLinearAlgebra.orthonormalizeColumns(product(z, transposed: false))
        }
        // B = QᵀX (l × n) = (XᵀQ)ᵀ.
        let b = try product(q, transposed: true).transposed()
        let small = try DenseLinearAlgebra.svd(b)
        let u = try DenseLinearAlgebra.multiply(q, small.u)
        return SingularValueDecomposition(u: u, singularValues: small.singularValues, vt: small.vt).truncated(to: k)
    }
}
