import Foundation
import RecKit
import RecMath

/// EASE^R, the embarrassingly shallow autoencoder (Steck, "Embarrassingly Shallow Autoencoders for
/// Sparse Data", WWW 2019): an item × item weight matrix B with a zero diagonal minimising
/// ‖X − XB‖²_F + λ‖B‖²_F, which has the closed form (the paper's eq. 8)
///
///     G = XᵀX + λI,   P = G⁻¹,   B = I − P·diagMat(1 / diag(P)),  i.e. B_ij = −P_ij / P_jj (i ≠ j), B_jj = 0
///
/// and scores a user by x_u·B. X is the users × items training matrix, binarised by default (the
/// paper's implicit setting); `implicit = false` keeps the stored values (e.g. ratings).
///
/// The Gram matrix is summed exactly (sparse accumulation, RecMath), the inverse is taken in Double
/// (Cholesky, potrf + potri: G is symmetric positive definite for λ > 0) for stability, then B is
/// kept in Float. Scoring is a sparse × dense product over the user's own items (Σ_{i∈u} x_ui·B_i·),
/// the cheapest exact form for sparse rows: O(|u|·n) per user instead of a dense row's O(n²).
/// Memory: 8n² bytes for the inverse plus 4n² for B (ML-100K: 34 MB; 9.7k items: 1.1 GB).
public final class EASE: Recommender {
    public static let manifest = PluginManifest(
        name: "EASE",
        version: "1.0.0",
        description: "Embarrassingly shallow autoencoder (Steck 2019): closed-form item-item weights B = I − P·diagMat(1/diag P), P = (XᵀX + λI)⁻¹.",
        capabilities: [.implicitRanking],
        parameters: [
            HyperParameter(
                "l2", .float, default: .float(500), min: 0, max: 1e9, logScale: true,
                doc: "L2 regularisation λ added to the diagonal of XᵀX; 400–500 best on ML-100K (sweep 50–2000), Steck used 200–1000 on ML-20M/Netflix/MSD; 0 only works if XᵀX is invertible"),
            HyperParameter(
                "implicit", .bool, default: .bool(true),
                doc: "binarise the training matrix (every interaction counts 1); false uses the stored values (ratings)"),
        ])

    private let lambda: Double
    private let implicit: Bool
    private var train: CSRMatrix?
    /// B, items × items, row-major.
    private var weights: [Float] = []
    private var threadCount = 1

    public init(parameters: PluginParameters) throws {
        lambda = try parameters.double("l2")
        implicit = try parameters.bool("implicit")
    }

    public func fit(_ train: CSRView, context: FitContext) throws {
        let n = train.columnCount
        threadCount = context.threadCount
        // 8n² bytes for the Double inverse and 4n² for B: refuse clearly rather than be killed.
        let needed = 12 * Double(n) * Double(n)
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        guard needed < 0.8 * available else {
            throw PluginError(String(format: "EASE: %d items need %.1f GB for the item × item matrices (12·n² bytes), more than 80%% of this machine's %.1f GB; filter rare items first (k_core, min_item_interactions)",
                                     n, needed / 1e9, available / 1e9))
        }
        let copy = try DenseLinearAlgebra.copy(train, binarize: implicit)
        self.train = copy

        let started = Date()
        var p = DenseLinearAlgebra.gram(of: train, binarize: implicit, threadCount: threadCount)
        for i in 0..<n { p[i, i] += lambda }
        let gramSeconds = Date().timeIntervalSince(started)
        try context.progress(0.1, "Gram matrix")
        do {
            try DenseLinearAlgebra.invertSPDInPlace(&p)
        } catch let error as LinearAlgebraError {
            throw PluginError("EASE: cannot invert XᵀX + λI with λ = \(lambda): \(error.message)")
        }
        let inverseSeconds = Date().timeIntervalSince(started) - gramSeconds
        try context.progress(0.9, "inverse")

        weights = Self.weights(fromInverse: p, threadCount: threadCount)
        context.log(String(format: "EASE: %d items, Gram %.2fs, inverse %.2fs (λ = %g, %@)", n, gramSeconds, inverseSeconds,
                           lambda, implicit ? "binarised" : "values"))
        try context.progress(1, "done")
    }

    /// B_ij = −P_ij / P_jj off the diagonal, B_jj = 0 (Steck's eq. 8), in Float.
    private static func weights(fromInverse p: DenseMatrix<Double>, threadCount: Int) -> [Float] {
        let n = p.rows
        var b = [Float](repeating: 0, count: n * n)
        guard n > 0 else { return b }
        p.values.withUnsafeBufferPointer { inverse in
            b.withUnsafeMutableBufferPointer { out in
                let source = inverse.baseAddress!, target = out.baseAddress!
                // The diagonal copied out once, so the inner loop reads it contiguously: reading P_jj
                // from the matrix there strides n + 1 doubles per step and misses cache on every read
                // (65 s instead of 1.8 s for this loop at n = 20,000). Still a division, so B is
                // bit for bit what it was.
                var diagonal = [Double](repeating: 0, count: n)
                for j in 0..<n { diagonal[j] = source[j * n + j] }
                diagonal.withUnsafeBufferPointer { diagonal in
                    let diagonal = diagonal.baseAddress!
                    let parts = min(n, 64)
                    DenseLinearAlgebra.forEachPart(parts, threadCount: threadCount) { part in
                        for i in (n * part / parts)..<(n * (part + 1) / parts) {
                            let row = source + i * n, outRow = target + i * n
                            for j in 0..<n { outRow[j] = Float(-row[j] / diagonal[j]) }
                            outRow[i] = 0
                        }
                    }
                }
            }
        }
        return b
    }

    public func score(users: UnsafeBufferPointer<Int32>, itemCount: Int,
                      into scores: UnsafeMutableBufferPointer<Float>) throws {
        guard let train else { throw PluginError("EASE: score before fit") }
        guard itemCount == train.columnCount else {
            throw PluginError("EASE: asked for \(itemCount) items, trained on \(train.columnCount)")
        }
        guard scores.count >= users.count * itemCount else { throw PluginError("EASE: score buffer too small") }
        guard !users.isEmpty, itemCount > 0 else { return }
        do {
            try weights.withUnsafeBufferPointer { b in
                try train.withView { x in
                    try DenseLinearAlgebra.multiply(sparse: x, rows: users, dense: b.baseAddress!, columns: itemCount,
                                                    into: scores.baseAddress!, threadCount: threadCount)
                }
            }
        } catch let error as LinearAlgebraError {
            throw PluginError("EASE: \(error.message)")
        }
    }
}

@_cdecl("recbench_plugin_v1")
public func recbenchPluginV1() -> UnsafeRawPointer {
    PluginExport.table(for: EASE.self)
}
