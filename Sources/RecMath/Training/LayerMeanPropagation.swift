/// LightGCN's propagation (He et al. 2020, eqs. 3–4 with α_k = 1/(K+1)): the final embeddings are
/// the mean of the layer embeddings E⁽ᵏ⁾ = Â·E⁽ᵏ⁻¹⁾, k = 1…K, and E⁽⁰⁾,
///
///     E = P·E⁽⁰⁾,   P = (1/(K+1)) Σ_{k=0..K} Âᵏ.
///
/// P is a polynomial in the symmetric Â, so it is symmetric too and the backward pass is the same
/// operator: ∂L/∂E⁽⁰⁾ = Pᵀ·∂L/∂E = P·∂L/∂E.
///
/// A training batch only reads E at its own nodes B, and its gradient ∂L/∂E is zero elsewhere, so
/// the batch versions do less than K full products: forward, layer k is needed only on
/// S_k = B ∪ N(S_{k+1}) (S_K = B; on Gowalla with 2048 triples S_K is 12% of the entries of Â and
/// S_{K−1} 88%); backward, Â·∂L/∂E is pushed from B's rows only. Every row they compute has exactly
/// the bits of the full version (same terms, same order), so training does not depend on which
/// version ran.
public final class LayerMeanPropagation {
    public let adjacency: NormalizedAdjacency
    public let layers: Int
    public let columns: Int
    private let current: FactorMatrix
    private let next: FactorMatrix
    /// All zero between calls: the target of the first backward hop, cleared again after use.
    private let hop: FactorMatrix
    /// Generation stamps for building node sets without clearing an array per batch.
    private var stamps: [UInt32]
    private var generation: UInt32 = 0

    public init(adjacency: NormalizedAdjacency, layers: Int, columns: Int) {
        precondition(layers >= 0, "negative layer count")
        precondition(adjacency.normalization == .symmetric, "the layer mean's backward needs the symmetric Â")
        self.adjacency = adjacency
        self.layers = layers
        self.columns = columns
        current = FactorMatrix(rows: adjacency.nodeCount, columns: columns)
        next = FactorMatrix(rows: adjacency.nodeCount, columns: columns)
        hop = FactorMatrix(rows: adjacency.nodeCount, columns: columns)
        stamps = [UInt32](repeating: 0, count: adjacency.nodeCount)
    }

    private var scale: Float { 1 / Float(layers + 1) }

    private func check(_ input: FactorMatrix, _ output: FactorMatrix) {
        precondition(input.rows == adjacency.nodeCount && output.rows == input.rows && input.columns == columns
                     && output.columns == columns, "propagation: tables do not match the graph")
        precondition(input !== output, "propagation: output must not alias the input")
    }

    /// output = P·input, every row (both node tables of `columns` columns).
    public func apply(_ input: FactorMatrix, into output: FactorMatrix, threadCount: Int) {
        check(input, output)
        let count = output.rows * output.stride
        output.base.update(from: input.base, count: count)
        guard layers > 0 else { return }
        adjacency.matrix.withBuffers { a in
            var source = input, target = current
            for _ in 0..<layers {
                SparseDenseProduct.multiply(a, source, into: target, adding: output, threadCount: threadCount)
                source = target
                target = target === current ? next : current
            }
        }
        DenseVector.scale(output.base, by: scale, count: count)
    }

    /// Rows `rows` (ascending, distinct node ids) of P·input; output's other rows are not written.
    public func apply(_ input: FactorMatrix, into output: FactorMatrix, rows: [Int32], threadCount: Int) {
        check(input, output)
        let stride = output.stride
        for row in rows { (output.base + Int(row) * stride).update(from: input.base + Int(row) * stride, count: stride) }
        if layers > 0 {
            // needed[k − 1] = S_k, the rows layer k is computed on; nil = every row.
            var needed: [[Int32]?] = [rows]
            for _ in 1..<layers {
                guard let above = needed[0] else { break }
                let cone = neighbourhood(of: above, including: rows)
                needed.insert(cone.count == adjacency.nodeCount ? nil : cone, at: 0)
            }
            while needed.count < layers { needed.insert(nil, at: 0) }
            adjacency.matrix.withBuffers { a in
                var source = input, target = current
                for layer in 0..<layers {
                    if let subset = needed[layer] {
                        subset.withUnsafeBufferPointer {
                            SparseDenseProduct.multiply(a, source, into: target, rows: $0, threadCount: threadCount)
                        }
                    } else {
                        SparseDenseProduct.multiply(a, source, into: target, threadCount: threadCount)
                    }
                    for row in rows {
                        let offset = Int(row) * stride
                        DenseVector.scaleAdd(output.base + offset, scale: 1, target.base + offset, times: 1, count: stride)
                    }
                    source = target
                    target = target === current ? next : current
                }
            }
        }
        let scale = scale
        for row in rows { DenseVector.scale(output.base + Int(row) * stride, by: scale, count: stride) }
    }

    /// ∂L/∂E⁽⁰⁾ from ∂L/∂E: the same operator, P being symmetric.
    public func backward(_ outputGradient: FactorMatrix, into inputGradient: FactorMatrix, threadCount: Int) {
        apply(outputGradient, into: inputGradient, threadCount: threadCount)
    }

    /// ∂L/∂E⁽⁰⁾ from an ∂L/∂E that is zero outside `rows` (ascending, distinct): the first hop
    /// Â·∂L/∂E is pushed from those rows; the rest are full products. Every row is written.
    public func backward(_ outputGradient: FactorMatrix, supportedOn rows: [Int32], into inputGradient: FactorMatrix,
                         threadCount: Int) {
        check(outputGradient, inputGradient)
        guard layers > 0 else { return apply(outputGradient, into: inputGradient, threadCount: threadCount) }
        let count = inputGradient.rows * inputGradient.stride, stride = inputGradient.stride
        inputGradient.base.update(from: outputGradient.base, count: count)
        let reached = neighbourhood(of: rows, including: [])
        adjacency.matrix.withBuffers { a in
            rows.withUnsafeBufferPointer {
                SparseDenseProduct.addTransposed(a, outputGradient, sources: $0, into: hop, threadCount: threadCount)
            }
            for row in reached {
                let offset = Int(row) * stride
                DenseVector.scaleAdd(inputGradient.base + offset, scale: 1, hop.base + offset, times: 1, count: stride)
            }
            var source = hop, target = current
            for _ in 1..<layers {
                SparseDenseProduct.multiply(a, source, into: target, adding: inputGradient, threadCount: threadCount)
                source = target
                target = target === current ? next : current
            }
        }
        for row in reached { DenseVector.zero(hop.base + Int(row) * stride, count: stride) }
        DenseVector.scale(inputGradient.base, by: scale, count: count)
    }

    /// `extra` ∪ the neighbours of `rows`, ascending.
    private func neighbourhood(of rows: [Int32], including extra: [Int32]) -> [Int32] {
        generation &+= 1
        if generation == 0 {
            stamps = [UInt32](repeating: 0, count: stamps.count)
            generation = 1
        }
        let stamp = generation
        let matrix = adjacency.matrix
        stamps.withUnsafeMutableBufferPointer { marks in
            for row in extra { marks[Int(row)] = stamp }
            matrix.withBuffers { a in
                for row in rows {
                    for k in a.indptr[Int(row)]..<a.indptr[Int(row) + 1] { marks[Int(a.indices[k])] = stamp }
                }
            }
        }
        var result: [Int32] = []
        for node in 0..<stamps.count where stamps[node] == stamp { result.append(Int32(node)) }
        return result
    }
}
