import Foundation
import RecKit
import RecMath
import Testing

// Expected values are worked by hand where the arithmetic is short, else printed by numpy 2.x from
// the script below (run with python3; nothing in it calls the Swift code):
//
//     import numpy as np
//     A = np.array([[4., 12, -16], [12, 37, -43], [-16, -43, 98]])
//     print(np.linalg.solve(A, np.array([[1., 2], [0, -1], [3, 0.5]])))
//     M = np.array([[1., 2, 0, -1], [0, 1, 3, 1], [2, 0, 1, 1]])
//     U, s, Vt = np.linalg.svd(M, full_matrices=False); print(s, U, Vt)
//     Y = np.array([[0.5, -0.2], [0.1, 0.4], [-0.3, 0.3], [0.2, 0.1]]); lam = 0.1
//     rows = [{0: 3.0, 2: 1.5}, {1: 2.0, 3: 5.0}, {}]
//     for obs in rows:   # the full weighted problem, no YᵀY trick
//         c = np.ones(4); p = np.zeros(4)
//         for j, cj in obs.items(): c[j] = cj; p[j] = 1
//         print(np.linalg.solve(Y.T @ np.diag(c) @ Y + lam * np.eye(2), Y.T @ np.diag(c) @ p))
//     X = np.array([[0.3, -0.1], [0.0, 0.2], [-0.4, 0.5]])
//     print(sum(obs.get(j, 1.0) * ((j in obs) - X[u] @ Y[j]) ** 2 for u, obs in enumerate(rows) for j in range(4))
//           + lam * ((X ** 2).sum() + (Y ** 2).sum()))

private func csr(_ rows: Int, _ columns: Int, _ triples: [(Int32, Int32, Float)]) throws -> CSRMatrix {
    try CSRMatrix(rowCount: rows, columnCount: columns, rows: triples.map(\.0), columns: triples.map(\.1),
                  values: triples.map(\.2))
}

private func close(_ a: [Double], _ b: [Double], _ tolerance: Double) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}

/// A reproducible dense matrix with entries in [-1, 1).
private func randomMatrix(_ rows: Int, _ columns: Int, seed: UInt64) -> DenseMatrix<Double> {
    var generator = SeededGenerator(seed: seed)
    var m = DenseMatrix<Double>(rows: rows, columns: columns)
    for k in m.values.indices { m.values[k] = 2 * generator.nextDouble() - 1 }
    return m
}

@Suite("Dense products and the Gram matrix")
struct DenseProductTests {
    @Test("gemm: all four transpose combinations of a 2 × 3 by 3 × 2 product, by hand")
    func gemm() throws {
        let a = try DenseMatrix<Double>([[1, 2, 3], [4, 5, 6]])
        let b = try DenseMatrix<Double>([[7, 8], [9, 10], [11, 12]])
        // [1·7 + 2·9 + 3·11, 1·8 + 2·10 + 3·12; 4·7 + 5·9 + 6·11, 4·8 + 5·10 + 6·12]
        let ab = try DenseMatrix<Double>([[58, 64], [139, 154]])
        #expect(try DenseLinearAlgebra.multiply(a, b) == ab)
        #expect(try DenseLinearAlgebra.multiply(a.transposed(), b, transposeA: true) == ab)
        #expect(try DenseLinearAlgebra.multiply(a, b.transposed(), transposeB: true) == ab)
        #expect(try DenseLinearAlgebra.multiply(a.transposed(), b.transposed(), transposeA: true, transposeB: true) == ab)
        // Float goes through sgemm: the same small integers are exact.
        #expect(try DenseLinearAlgebra.multiply(a.converted(to: Float.self), b.converted(to: Float.self))
                == ab.converted(to: Float.self))
        #expect(throws: LinearAlgebraError.self) { try DenseLinearAlgebra.multiply(a, a) }
    }

    /// X (3 users × 4 items):
    ///     u0: i0 = 2, i2 = 1
    ///     u1: i0 = 1, i1 = 3, i2 = 2
    ///     u2: i3 = 4
    /// XᵀX by hand: (0,0) = 4 + 1 = 5, (0,1) = 1·3 = 3, (0,2) = 2·1 + 1·2 = 4, (1,1) = 9, (1,2) = 6,
    /// (2,2) = 1 + 4 = 5, (3,3) = 16, the rest 0. Binarised: co-occurrence counts.
    @Test("Gram matrix XᵀX of a sparse matrix, with values and binarised, by hand")
    func gram() throws {
        let x = try csr(3, 4, [(0, 0, 2), (0, 2, 1), (1, 0, 1), (1, 1, 3), (1, 2, 2), (2, 3, 4)])
        let valued = x.withView { DenseLinearAlgebra.gram(of: $0, binarize: false) }
        #expect(valued == (try DenseMatrix<Double>([[5, 3, 4, 0], [3, 9, 6, 0], [4, 6, 5, 0], [0, 0, 0, 16]])))
        let binary = x.withView { DenseLinearAlgebra.gram(of: $0, binarize: true, threadCount: 2) }
        #expect(binary == (try DenseMatrix<Double>([[2, 1, 2, 0], [1, 1, 1, 0], [2, 1, 2, 0], [0, 0, 0, 1]])))
    }

    @Test("Gram matrix of a larger random sparse matrix equals the dense product, for 1, 2 and 3 threads")
    func gramMatchesDense() throws {
        var generator = SeededGenerator(seed: 11)
        var triples: [(Int32, Int32, Float)] = []
        for u in 0..<60 {
            for i in 0..<45 where generator.nextDouble() < 0.15 {
                triples.append((Int32(u), Int32(i), Float(1 + generator.nextInt(below: 5))))
            }
        }
        let x = try csr(60, 45, triples)
        let dense = x.withView { DenseLinearAlgebra.densify($0, as: Double.self) }
        let expected = try DenseLinearAlgebra.multiply(dense, dense, transposeA: true)
        for threads in 1...3 {
            // Integer ratings: every sum is exact, so equality is exact too.
            #expect(x.withView { DenseLinearAlgebra.gram(of: $0, binarize: false, threadCount: threads) } == expected)
        }
    }

    /// X as in `gram`; D (4 × 2) = [[1, 0], [0, 1], [1, 1], [2, -1]].
    /// Row u0 = 2·[1, 0] + 1·[1, 1] = [3, 1]; u1 = [1, 0] + 3·[0, 1] + 2·[1, 1] = [3, 5]; u2 = 4·[2, −1] = [8, −4].
    @Test("sparse × dense product, all rows and a chosen subset, by hand")
    func sparseTimesDense() throws {
        let x = try csr(3, 4, [(0, 0, 2), (0, 2, 1), (1, 0, 1), (1, 1, 3), (1, 2, 2), (2, 3, 4)])
        let d: [Float] = [1, 0, 0, 1, 1, 1, 2, -1]
        var all = [Float](repeating: .nan, count: 6)
        try x.withView { view in
            try d.withUnsafeBufferPointer { dp in
                try all.withUnsafeMutableBufferPointer {
                    try DenseLinearAlgebra.multiply(sparse: view, dense: dp.baseAddress!, columns: 2, into: $0.baseAddress!, threadCount: 2)
                }
            }
        }
        #expect(all == [3, 1, 3, 5, 8, -4])
        let chosen: [Int32] = [2, 0]
        var some = [Float](repeating: .nan, count: 4)
        try x.withView { view in
            try d.withUnsafeBufferPointer { dp in
                try chosen.withUnsafeBufferPointer { rows in
                    try some.withUnsafeMutableBufferPointer {
                        try DenseLinearAlgebra.multiply(sparse: view, rows: rows, dense: dp.baseAddress!, columns: 2, into: $0.baseAddress!)
                    }
                }
            }
        }
        #expect(some == [8, -4, 3, 1])
        let outside: [Int32] = [3]
        #expect(throws: LinearAlgebraError.self) {
            try x.withView { view in
                try d.withUnsafeBufferPointer { dp in
                    try outside.withUnsafeBufferPointer { rows in
                        try some.withUnsafeMutableBufferPointer {
                            try DenseLinearAlgebra.multiply(sparse: view, rows: rows, dense: dp.baseAddress!, columns: 2, into: $0.baseAddress!)
                        }
                    }
                }
            }
        }
    }

    @Test("transpose of a sparse matrix lists each column's rows ascending")
    func sparseTranspose() throws {
        let x = try csr(3, 4, [(0, 0, 2), (0, 2, 1), (1, 0, 1), (1, 1, 3), (1, 2, 2), (2, 3, 4)])
        let t = try x.withView { try DenseLinearAlgebra.transpose($0) }
        #expect(t.rowCount == 4 && t.columnCount == 3)
        #expect(t.indptr == [0, 2, 3, 5, 6])
        #expect(t.indices == [0, 1, 1, 0, 1, 2])
        #expect(t.values == [2, 1, 3, 1, 2, 4])
    }
}

@Suite("Symmetric positive definite systems")
struct SPDTests {
    /// A = L·Lᵀ with L = [[2, 0, 0], [6, 1, 0], [−8, 5, 3]]; A⁻¹ = (1/36)·[[1777, −488, 76], [−488, 136, −20], [76, −20, 4]]
    /// (adjugate over det A = (2·1·3)² = 36).
    static let a = try! DenseMatrix<Double>([[4, 12, -16], [12, 37, -43], [-16, -43, 98]])

    @Test("inverse of the classic 3 × 3 Cholesky example, exactly symmetric")
    func inverse() throws {
        let inverse = try DenseLinearAlgebra.inverseSPD(Self.a)
        let expected = [1777.0, -488, 76, -488, 136, -20, 76, -20, 4].map { $0 / 36 }
        #expect(close(inverse.values, expected, 1e-9))
        #expect(inverse == inverse.transposed())
        // Float path (spotrf/spotri) to Float accuracy.
        let single = try DenseLinearAlgebra.inverseSPD(Self.a.converted(to: Float.self))
        #expect(close(single.values.map(Double.init), expected, 2e-2))
        // Through the reusable factorisation too.
        #expect(close(try CholeskyFactorization(Self.a).inverse().values, expected, 1e-9))
    }

    @Test("Cholesky solve with two right-hand sides (numpy), and one vector by hand")
    func solve() throws {
        let b = try DenseMatrix<Double>([[1, 2], [0, -1], [3, 0.5]])
        let x = try DenseLinearAlgebra.solveSPD(Self.a, b)
        let numpy = [55.69444444444453, 113.33333333333351, -15.222222222222246, -31.166666666666718,
                     2.444444444444448, 4.833333333333341]
        #expect(close(x.values, numpy, 1e-9))
        // [[4, 2], [2, 3]]·x = [1, 2]: x = (1/8)·[[3, −2], [−2, 4]]·[1, 2] = [−1/8, 6/8].
        let small = try CholeskyFactorization(DenseMatrix<Double>([[4, 2], [2, 3]]))
        #expect(close(try small.solve([1, 2]), [-0.125, 0.75], 1e-15))
        // The raw in-place form with right-hand sides stored one after another.
        var factor: [Float] = [4, 2, 2, 3], rhs: [Float] = [1, 2, 4, 2]
        try factor.withUnsafeMutableBufferPointer { f in
            try rhs.withUnsafeMutableBufferPointer {
                try DenseLinearAlgebra.solveSPDInPlace(n: 2, a: f.baseAddress!, b: $0.baseAddress!, rightHandSides: 2)
            }
        }
        // Second: (1/8)·[[3, −2], [−2, 4]]·[4, 2] = [1, 0].
        #expect(close(rhs.map(Double.init), [-0.125, 0.75, 1, 0], 1e-6))
    }

    @Test("an indefinite matrix is reported by potrf, not inverted")
    func indefinite() throws {
        let bad = try DenseMatrix<Double>([[1, 2], [2, 1]])  // eigenvalues 3 and −1
        do {
            _ = try DenseLinearAlgebra.inverseSPD(bad)
            Issue.record("expected an error")
        } catch let error as LinearAlgebraError {
            #expect(error.message.contains("dpotrf"))
            #expect(error.message.contains("not positive definite"))
        }
        #expect(throws: LinearAlgebraError.self) { try DenseLinearAlgebra.inverseSPD(DenseMatrix<Double>(rows: 2, columns: 3)) }
    }
}

@Suite("Eigen and singular value decompositions")
struct DecompositionTests {
    /// The tridiagonal [[2, −1, 0], [−1, 2, −1], [0, −1, 2]] has eigenvalues 2 − √2, 2, 2 + √2 with
    /// eigenvectors (1, √2, 1)/2, (1, 0, −1)/√2, (1, −√2, 1)/2 (up to sign).
    @Test("symmetric eigendecomposition of a tridiagonal matrix, by hand")
    func eigen() throws {
        let s = try DenseMatrix<Double>([[2, -1, 0], [-1, 2, -1], [0, -1, 2]])
        let result = try DenseLinearAlgebra.symmetricEigen(s)
        let r2 = 2.0.squareRoot()
        #expect(close(result.values, [2 - r2, 2, 2 + r2], 1e-12))
        let expected: [[Double]] = [[0.5, r2 / 2, 0.5], [1 / r2, 0, -1 / r2], [0.5, -r2 / 2, 0.5]]
        for j in 0..<3 {
            let column = (0..<3).map { result.vectors[$0, j] }
            let sign = column[0] < 0 ? -1.0 : 1.0
            #expect(close(column.map { $0 * sign }, expected[j], 1e-12))
        }
        let floats = try DenseLinearAlgebra.symmetricEigen(s.converted(to: Float.self))
        #expect(close(floats.values.map(Double.init), [2 - r2, 2, 2 + r2], 1e-5))
    }

    @Test("thin SVD of a 3 × 4 matrix and its transpose (numpy), and a diagonal one by hand")
    func svd() throws {
        let m = try DenseMatrix<Double>([[1, 2, 0, -1], [0, 1, 3, 1], [2, 0, 1, 1]])
        let s = [3.6694775032356968, 2.4133948747671, 1.9262554430020435]
        let u: [[Double]] = [[0.1795174282935727, 0.9666064121756773, -0.18288120975028038],
                             [0.8569062323884364, -0.24495550202660735, -0.4535510014549047],
                             [0.483203064800624, 0.07529173904059326, 0.8722648406301419]]
        let vt: [[Double]] = [[0.31228521141889015, 0.3313662743274435, 0.8322497574308673, 0.3162825955117841],
                              [0.46291218313980903, 0.6995363004935815, -0.273297492231925, -0.47081817693482314],
                              [0.8107172271379519, -0.42533996409042013, -0.2535427819341684, 0.3123132246613874]]
        for (matrix, transposed) in [(m, false), (m.transposed(), true)] {
            let result = try DenseLinearAlgebra.svd(matrix)
            #expect(close(result.singularValues, s, 1e-12))
            // Singular vectors are unique up to a sign per pair: align on the first entry of u.
            let (left, right) = transposed ? (result.vt.transposed(), result.u.transposed()) : (result.u, result.vt)
            for j in 0..<3 {
                let sign = (left[0, j] < 0) == (u[0][j] < 0) ? 1.0 : -1.0
                #expect(close((0..<3).map { left[$0, j] * sign }, (0..<3).map { u[$0][j] }, 1e-12))
                #expect(close((0..<4).map { right[j, $0] * sign }, vt[j], 1e-12))
            }
        }
        // diag-like [[3, 0], [0, 4], [0, 0]]: σ = 4, 3.
        let d = try DenseLinearAlgebra.svd(DenseMatrix<Float>([[3, 0], [0, 4], [0, 0]]))
        #expect(d.singularValues == [4, 3])
    }

    @Test("QR orthonormalisation: QᵀQ = I and Q spans the same columns")
    func orthonormalize() throws {
        let a = randomMatrix(7, 3, seed: 5)
        let q = try DenseLinearAlgebra.orthonormalizeColumns(a)
        #expect(try DenseLinearAlgebra.multiply(q, q, transposeA: true).maxAbsDifference(.identity(3)) < 1e-12)
        // A = Q·(QᵀA) when Q spans A's columns.
        let projected = try DenseLinearAlgebra.multiply(q, DenseLinearAlgebra.multiply(q, a, transposeA: true))
        #expect(projected.maxAbsDifference(a) < 1e-12)
    }
}

@Suite("Truncated SVD of a sparse matrix")
struct TruncatedSVDTests {
    /// A 40 × 30 matrix of exact rank 3 with singular values about 20, 10, 5 (product of random
    /// orthonormal bases), stored densely as a CSR.
    static func lowRank() throws -> CSRMatrix {
        let left = try DenseLinearAlgebra.orthonormalizeColumns(randomMatrix(40, 3, seed: 1))
        let right = try DenseLinearAlgebra.orthonormalizeColumns(randomMatrix(30, 3, seed: 2))
        var scaled = left
        for r in 0..<40 { for (c, s) in [20.0, 10, 5].enumerated() { scaled[r, c] *= s } }
        let m = try DenseLinearAlgebra.multiply(scaled, right, transposeB: true)
        var triples: [(Int32, Int32, Float)] = []
        for r in 0..<40 { for c in 0..<30 { triples.append((Int32(r), Int32(c), Float(m[r, c]))) } }
        return try csr(40, 30, triples)
    }

    /// V_k·V_kᵀ: the projector onto the leading right singular subspace (free of sign choices).
    static func projector(_ svd: SingularValueDecomposition<Double>) throws -> DenseMatrix<Double> {
        try DenseLinearAlgebra.multiply(svd.vt, svd.vt, transposeA: true)
    }

    @Test("exact and randomized agree on a rank-3 matrix: singular values, subspace, reconstruction")
    func exactVersusRandomized() throws {
        let x = try Self.lowRank()
        let exact = try x.withView { try TruncatedSVD.exact($0, rank: 3, as: Double.self) }
        let randomized = try x.withView {
            try TruncatedSVD.randomized($0, rank: 3, oversampling: 5, powerIterations: 2, seed: 9, threadCount: 2, as: Double.self)
        }
        #expect(exact.rank == 3 && randomized.rank == 3)
        // Float storage of the entries perturbs the singular values by ~1e-6 relative.
        #expect(close(exact.singularValues, [20, 10, 5], 1e-4))
        #expect(close(randomized.singularValues, exact.singularValues, 1e-9))
        #expect(try Self.projector(randomized).maxAbsDifference(Self.projector(exact)) < 1e-9)
        // U·Σ·Vᵀ reproduces X.
        var us = randomized.u
        for r in 0..<us.rows { for c in 0..<3 { us[r, c] *= randomized.singularValues[c] } }
        let rebuilt = try DenseLinearAlgebra.multiply(us, randomized.vt)
        let dense = x.withView { DenseLinearAlgebra.densify($0, as: Double.self) }
        #expect(rebuilt.maxAbsDifference(dense) < 1e-5)
        // Deterministic given the seed, whatever the thread count.
        let again = try x.withView {
            try TruncatedSVD.randomized($0, rank: 3, oversampling: 5, powerIterations: 2, seed: 9, threadCount: 1, as: Double.self)
        }
        #expect(again.singularValues == randomized.singularValues && again.vt == randomized.vt)
    }

    @Test("exact truncation keeps the leading triplets of the full SVD (numpy values)")
    func exactTruncation() throws {
        let x = try csr(3, 4, [(0, 0, 1), (0, 1, 2), (0, 3, -1), (1, 1, 1), (1, 2, 3), (1, 3, 1), (2, 0, 2), (2, 2, 1), (2, 3, 1)])
        let top = try x.withView { try TruncatedSVD.exact($0, rank: 2, as: Double.self) }
        #expect(close(top.singularValues, [3.6694775032356968, 2.4133948747671], 1e-12))
        #expect(top.u.rows == 3 && top.u.columns == 2 && top.vt.rows == 2 && top.vt.columns == 4)
        #expect(throws: LinearAlgebraError.self) { try x.withView { try TruncatedSVD.exact($0, rank: 0, as: Double.self) } }
    }
}

@Suite("Implicit least squares (the iALS half-step)")
struct ImplicitLeastSquaresTests {
    /// Y (4 items × 2 factors), λ = 0.1, three rows: {i0: c = 3, i2: c = 1.5}, {i1: c = 2, i3: c = 5}, {}.
    static let y: [[Float]] = [[0.5, -0.2], [0.1, 0.4], [-0.3, 0.3], [0.2, 0.1]]
    static func confidences() throws -> CSRMatrix {
        try csr(3, 4, [(0, 0, 3), (0, 2, 1.5), (1, 1, 2), (1, 3, 5)])
    }
    /// numpy's solve of the full weighted normal equations (see the script at the top).
    static let expected: [[Double]] = [[1.2290502793296088, 0.5921787709497204], [1.8514776458701692, 2.1975246274311693], [0, 0]]

    static func factors(_ rows: [[Float]]) -> FactorMatrix {
        let matrix = FactorMatrix(rows: rows.count, columns: rows.first?.count ?? 0)
        for (r, row) in rows.enumerated() { for (c, value) in row.enumerated() { matrix.row(r)[c] = value } }
        return matrix
    }

    @Test("one row solve equals the closed-form normal equations: Cholesky, and CG with k steps")
    func rowSolves() throws {
        let c = try Self.confidences()
        for solver in [ImplicitLeastSquares.Solver.cholesky, .conjugateGradient(steps: 2)] {
            let target = FactorMatrix(rows: 3, columns: 2)
            try c.withView {
                try ImplicitLeastSquares.solveRows($0, fixed: Self.factors(Self.y), target: target, regularization: 0.1,
                                                   solver: solver, threadCount: 2)
            }
            for r in 0..<3 {
                // CG from 0 reaches the exact solution of a 2 × 2 system in 2 steps (up to Float rounding).
                #expect(close(target.values(ofRow: r).map(Double.init), Self.expected[r], 1e-5), "\(solver) row \(r)")
            }
        }
    }

    @Test("one CG step lowers the row objective but does not reach the solution")
    func oneStep() throws {
        let c = try Self.confidences()
        let target = FactorMatrix(rows: 3, columns: 2)
        try c.withView {
            try ImplicitLeastSquares.solveRows($0, fixed: Self.factors(Self.y), target: target, regularization: 0.1,
                                               solver: .conjugateGradient(steps: 1))
        }
        let fixed = Self.factors(Self.y), zero = FactorMatrix(rows: 3, columns: 2)
        let before = c.withView { ImplicitLeastSquares.loss($0, rowFactors: zero, columnFactors: fixed, regularization: 0.1) }
        let after = c.withView { ImplicitLeastSquares.loss($0, rowFactors: target, columnFactors: fixed, regularization: 0.1) }
        #expect(after < before)
        #expect(!close(target.values(ofRow: 0).map(Double.init), Self.expected[0], 1e-3))
    }

    @Test("the loss equals the full weighted sum over every pair (numpy 10.7643)")
    func loss() throws {
        let x = Self.factors([[0.3, -0.1], [0.0, 0.2], [-0.4, 0.5]])
        let value = try Self.confidences().withView {
            ImplicitLeastSquares.loss($0, rowFactors: x, columnFactors: Self.factors(Self.y), regularization: 0.1, threadCount: 2)
        }
        #expect(abs(value - 10.7643) < 1e-5)
    }

    @Test("confidences below 1 and mismatched shapes are errors")
    func errors() throws {
        let low = try csr(1, 4, [(0, 0, 0.5)])
        #expect(throws: LinearAlgebraError.self) {
            try low.withView {
                try ImplicitLeastSquares.solveRows($0, fixed: Self.factors(Self.y), target: FactorMatrix(rows: 1, columns: 2),
                                                   regularization: 0.1, solver: .cholesky)
            }
        }
        #expect(throws: LinearAlgebraError.self) {
            try Self.confidences().withView {
                try ImplicitLeastSquares.solveRows($0, fixed: Self.factors(Self.y), target: FactorMatrix(rows: 2, columns: 2),
                                                   regularization: 0.1, solver: .cholesky)
            }
        }
    }
}
