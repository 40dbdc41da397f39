/// NGCF's embedding propagation (Wang, He, Wang, Feng & Chua, SIGIR 2019, eqs. 7–10), as the
/// NGCF-PyTorch code (huangtinglin/NGCF-PyTorch, the port of the authors' TensorFlow code) computes
/// it, forward and backward. With E⁽⁰⁾ the layer-0 embeddings and Â the propagation matrix
/// (dropped out edge-wise in training, "node dropout"):
///
///     S = Â·E⁽ᵏ⁻¹⁾                                   side messages
///     E⁽ᵏ⁾ = LeakyReLU_0.2(S·W1ₖ + b1ₖ + (E⁽ᵏ⁻¹⁾ ⊙ S)·W2ₖ + b2ₖ) ⊙ mask   (message dropout)
///     output = [E⁽⁰⁾ | E⁽¹⁾/‖E⁽¹⁾‖ | … | E⁽ᴷ⁾/‖E⁽ᴷ⁾‖]   (row-wise L2 normalisation, concatenated)
///
/// The next layer takes the un-normalised E⁽ᵏ⁾.
///
/// RecBole's NGCF (its `BiGNNLayer`, "(L + I)EW₁ + (LE ⊙ E)W₂") differs in two places, each a
/// switch here: `selfMessage` feeds S + E⁽ᵏ⁻¹⁾ instead of S to W1, and `chainNormalized` hands the
/// next layer the L2-normalised E⁽ᵏ⁾/‖E⁽ᵏ⁾‖ (RecBole normalises in place) instead of E⁽ᵏ⁾.
///
/// All rows are propagated (every layer is needed
/// everywhere by the next), products run on `threadCount` threads and BLAS. `forward` keeps what
/// `backward` needs (S, E⁽ᵏ⁻¹⁾ ⊙ S, the pre-activations, E⁽ᵏ⁾, the masks and the dropped Â); weight
/// gradients accumulate into `gradients` until `zeroGradients()`.
public final class NGCFPropagation {
    /// One layer's parameters (or their gradients): W1, W2 are d_in × d_out, b1, b2 one row.
    public struct Layer {
        public let sumWeight: FactorMatrix
        public let sumBias: FactorMatrix
        public let productWeight: FactorMatrix
        public let productBias: FactorMatrix

        init(inputs: Int, outputs: Int) {
            sumWeight = FactorMatrix(rows: inputs, columns: outputs)
            sumBias = FactorMatrix(rows: 1, columns: outputs)
            productWeight = FactorMatrix(rows: inputs, columns: outputs)
            productBias = FactorMatrix(rows: 1, columns: outputs)
        }

        /// The four tensors in a fixed order (initialisation, optimiser, checkpoints).
        public var tensors: [FactorMatrix] { [sumWeight, sumBias, productWeight, productBias] }
    }

    public let adjacency: NormalizedAdjacency
    /// [d₀, d₁, …, d_K]: the embedding size, then each layer's output size.
    public let sizes: [Int]
    public let layers: [Layer]
    public let gradients: [Layer]
    public let messageDropout: Float
    public let nodeDropout: Float
    public let slope: Float = 0.2
    /// W1 takes S + E⁽ᵏ⁻¹⁾ (RecBole) instead of S (NGCF-PyTorch).
    public let selfMessage: Bool
    /// The next layer takes the normalised E⁽ᵏ⁾ (RecBole) instead of E⁽ᵏ⁾ (NGCF-PyTorch).
    public let chainNormalized: Bool

    /// Width of the concatenated output: Σ sizes.
    public var outputColumns: Int { sizes.reduce(0, +) }

    private let nodes: Int
    private var side: [FactorMatrix] = []
    private var product: [FactorMatrix] = []
    private var preActivation: [FactorMatrix] = []
    private var output: [FactorMatrix] = []
    private var masks: [FactorMatrix] = []
    /// S + E⁽ᵏ⁻¹⁾ per layer (selfMessage), E⁽ᵏ⁾/‖E⁽ᵏ⁾‖ per layer (chainNormalized).
    private var sumInputs: [FactorMatrix] = []
    private var normalized: [FactorMatrix] = []
    /// Â's values after edge dropout in the last training forward (Â's own values otherwise).
    public private(set) var propagationValues: [Float]
    private var scratch: [Int: [FactorMatrix]] = [:]

    public init(adjacency: NormalizedAdjacency, sizes: [Int], messageDropout: Float, nodeDropout: Float,
                selfMessage: Bool = false, chainNormalized: Bool = false) {
        precondition(sizes.count >= 1 && sizes.allSatisfy { $0 > 0 }, "NGCF: layer sizes must be positive")
        precondition((0..<1).contains(messageDropout) && (0..<1).contains(nodeDropout), "NGCF: dropout rates must be in [0, 1)")
        self.adjacency = adjacency
        self.sizes = sizes
        self.messageDropout = messageDropout
        self.nodeDropout = nodeDropout
        self.selfMessage = selfMessage
        self.chainNormalized = chainNormalized
        nodes = adjacency.nodeCount
        layers = (1..<sizes.count).map { Layer(inputs: sizes[$0 - 1], outputs: sizes[$0]) }
        gradients = (1..<sizes.count).map { Layer(inputs: sizes[$0 - 1], outputs: sizes[$0]) }
        propagationValues = adjacency.matrix.values
        for k in 1..<sizes.count {
            side.append(FactorMatrix(rows: nodes, columns: sizes[k - 1]))
            product.append(FactorMatrix(rows: nodes, columns: sizes[k - 1]))
            preActivation.append(FactorMatrix(rows: nodes, columns: sizes[k]))
            output.append(FactorMatrix(rows: nodes, columns: sizes[k]))
            masks.append(FactorMatrix(rows: nodes, columns: sizes[k]))
            if selfMessage { sumInputs.append(FactorMatrix(rows: nodes, columns: sizes[k - 1])) }
            if chainNormalized { normalized.append(FactorMatrix(rows: nodes, columns: sizes[k])) }
        }
    }

    /// Starts every weight and bias Glorot-uniform on its own shape (NGCF-PyTorch's
    /// `xavier_uniform_` on W (d_in × d_out) and on b (1 × d_out)), layer by layer, W1, b1, W2, b2.
    /// With `zeroBiases`, the weights Glorot-normal and the biases 0 (RecBole's
    /// `xavier_normal_initialization` of its `nn.Linear`s), layer by layer, W1 then W2.
    public func initializeWeights(using generator: inout SeededGenerator, zeroBiases: Bool = false) {
        for layer in layers {
            if zeroBiases {
                for weight in [layer.sumWeight, layer.productWeight] {
                    Initialization.xavierNormal().fill(weight, fanIn: weight.rows, fanOut: weight.columns, using: &generator)
                }
                layer.sumBias.setZero()
                layer.productBias.setZero()
                continue
            }
            for tensor in layer.tensors {
                Initialization.xavierUniform().fill(tensor, fanIn: tensor.rows, fanOut: tensor.columns, using: &generator)
            }
        }
    }

    /// Layer k's (1…K) message-dropout mask of the last training forward: 0 or 1/(1 − rate).
    public func messageMask(layer k: Int) -> FactorMatrix { masks[k - 1] }

    public func zeroGradients() {
        for layer in gradients { for tensor in layer.tensors { tensor.setZero() } }
    }

    /// Column where layer k's block starts in the output (k = 0 is E⁽⁰⁾).
    private func offset(_ k: Int) -> Int { sizes[..<k].reduce(0, +) }

    /// A scratch table `slot` of `columns` columns, allocated once.
    private func buffer(_ columns: Int, _ slot: Int) -> FactorMatrix {
        var pool = scratch[columns] ?? []
        while pool.count <= slot { pool.append(FactorMatrix(rows: nodes, columns: columns)) }
        scratch[columns] = pool
        return pool[slot]
    }

    /// output = [E⁽⁰⁾ | normalised layers]; in training, fresh edge and message dropout masks are
    /// drawn from `generator` (edges first, then layer by layer).
    public func forward(_ base: FactorMatrix, into result: FactorMatrix, training: Bool,
                        using generator: inout SeededGenerator, threadCount: Int) {
        precondition(base.rows == nodes && base.columns == sizes[0] && result.rows == nodes
                     && result.columns == outputColumns, "NGCF: tables do not match")
        let matrix = adjacency.matrix
        propagationValues.withUnsafeMutableBufferPointer { values in
            if training && nodeDropout > 0 {
                Activations.dropoutMask(values.baseAddress!, count: values.count, rate: nodeDropout, using: &generator)
                for k in 0..<values.count { values[k] *= matrix.values[k] }
            } else {
                _ = values.update(fromContentsOf: matrix.values)
            }
        }
        for row in 0..<nodes { result.row(row).update(from: base.row(row), count: sizes[0]) }
        var input = base
        for k in 1..<sizes.count {
            let layer = layers[k - 1], s = side[k - 1], p = product[k - 1], pre = preActivation[k - 1], out = output[k - 1]
            withPropagation { SparseDenseProduct.multiply($0, input, into: s, threadCount: threadCount) }
            for row in 0..<nodes {
                let e = input.row(row), m = s.row(row), target = p.row(row)
                for c in 0..<input.stride { target[c] = e[c] * m[c] }
            }
            let sumInput = selfMessage ? sumInputs[k - 1] : s
            if selfMessage {
                sumInput.base.update(from: s.base, count: nodes * s.stride)
                DenseVector.scaleAdd(sumInput.base, scale: 1, input.base, times: 1, count: nodes * s.stride)
            }
            LinearMap.apply(sumInput, layer.sumWeight, bias: layer.sumBias, into: pre)
            let productPart = buffer(sizes[k], 0)
            LinearMap.apply(p, layer.productWeight, bias: layer.productBias, into: productPart)
            let count = nodes * pre.stride
            DenseVector.scaleAdd(pre.base, scale: 1, productPart.base, times: 1, count: count)
            out.base.update(from: pre.base, count: count)
            Activations.leakyReLU(out.base, count: count, slope: slope)
            if training && messageDropout > 0 {
                Activations.dropoutMask(masks[k - 1].base, count: count, rate: messageDropout, using: &generator)
                for index in 0..<count { out.base[index] *= masks[k - 1].base[index] }
            }
            let start = offset(k)
            for row in 0..<nodes { Activations.normalize(out.row(row), into: result.row(row) + start, count: sizes[k]) }
            if chainNormalized {
                let next = normalized[k - 1]
                for row in 0..<nodes { next.row(row).update(from: result.row(row) + start, count: sizes[k]) }
                input = next
            } else {
                input = out
            }
        }
        lastForwardTrained = training
    }

    private var lastForwardTrained = false

    /// ∂L/∂E⁽⁰⁾ (written to `baseGradient`) and the weight gradients (added to `gradients`) from
    /// ∂L/∂output, for the last `forward` (same masks).
    public func backward(_ base: FactorMatrix, outputGradient: FactorMatrix, into baseGradient: FactorMatrix,
                         threadCount: Int) {
        precondition(outputGradient.rows == nodes && outputGradient.columns == outputColumns
                     && baseGradient.rows == nodes && baseGradient.columns == sizes[0], "NGCF: gradient tables do not match")
        // ∂L/∂E⁽ᴷ⁾ arriving from above: none for the top layer.
        var fromAbove: FactorMatrix? = nil
        for k in stride(from: sizes.count - 1, through: 1, by: -1) {
            let layer = layers[k - 1], gradient = gradients[k - 1]
            let input = k == 1 ? base : (chainNormalized ? normalized[k - 2] : output[k - 2])
            let s = side[k - 1], p = product[k - 1], pre = preActivation[k - 1], out = output[k - 1]
            let gOut = buffer(sizes[k], 1)
            let start = offset(k)
            if chainNormalized {
                // The next layer read the normalised block, so what comes from above joins the output's
                // gradient before the normalisation: ∂L/∂E⁽ᵏ⁾ = J_norm ᵀ(∂L/∂block + from above).
                gOut.setZero()
                var joined = [Float](repeating: 0, count: sizes[k])
                for row in 0..<nodes {
                    let g = outputGradient.row(row) + start
                    if let above = fromAbove?.row(row) {
                        for c in 0..<sizes[k] { joined[c] = g[c] + above[c] }
                    } else {
                        for c in 0..<sizes[k] { joined[c] = g[c] }
                    }
                    Activations.normalizeBackward(out.row(row), outputGradient: joined, adding: gOut.row(row), count: sizes[k])
                }
            } else {
                // ∂L/∂E⁽ᵏ⁾ = from above + through the normalisation of this layer's block.
                if let fromAbove { gOut.base.update(from: fromAbove.base, count: nodes * gOut.stride) } else { gOut.setZero() }
                for row in 0..<nodes {
                    Activations.normalizeBackward(out.row(row), outputGradient: outputGradient.row(row) + start,
                                                  adding: gOut.row(row), count: sizes[k])
                }
            }
            let count = nodes * gOut.stride
            if lastForwardTrained && messageDropout > 0 {
                for index in 0..<count { gOut.base[index] *= masks[k - 1].base[index] }
            }
            Activations.leakyReLUBackward(preActivation: pre.base, gradient: gOut.base, count: count, slope: slope)
            // Through the two affine maps.
            let gSide = buffer(sizes[k - 1], 2), gProduct = buffer(sizes[k - 1], 3)
            LinearMap.backward(selfMessage ? sumInputs[k - 1] : s, layer.sumWeight, outputGradient: gOut, inputGradient: gSide,
                               weightGradient: gradient.sumWeight, biasGradient: gradient.sumBias)
            LinearMap.backward(p, layer.productWeight, outputGradient: gOut, inputGradient: gProduct,
                               weightGradient: gradient.productWeight, biasGradient: gradient.productBias)
            // Through E⁽ᵏ⁻¹⁾ ⊙ S: into S and into E⁽ᵏ⁻¹⁾ directly (and, with selfMessage, W1's
            // input S + E⁽ᵏ⁻¹⁾ passes its gradient to E⁽ᵏ⁻¹⁾ as well as to S).
            let gInput = buffer(sizes[k - 1], 4)
            let direct: Float = selfMessage ? 1 : 0
            for row in 0..<nodes {
                let e = input.row(row), m = s.row(row), gp = gProduct.row(row), gs = gSide.row(row), gi = gInput.row(row)
                for c in 0..<input.stride {
                    gi[c] = gp[c] * m[c] + direct * gs[c]
                    gs[c] += gp[c] * e[c]
                }
            }
            // Through S = Â·E⁽ᵏ⁻¹⁾: ∂L/∂E⁽ᵏ⁻¹⁾ += Âᵀ·∂L/∂S.
            let transposed = buffer(sizes[k - 1], 5)
            withPropagation { SparseDenseProduct.multiplyTransposed($0, gSide, into: transposed, threadCount: threadCount) }
            DenseVector.scaleAdd(gInput.base, scale: 1, transposed.base, times: 1, count: nodes * gInput.stride)
            fromAbove = gInput
        }
        // E⁽⁰⁾ is also the output's first block.
        let count = nodes * baseGradient.stride
        if let fromAbove { baseGradient.base.update(from: fromAbove.base, count: count) } else { baseGradient.setZero() }
        for row in 0..<nodes {
            let g = outputGradient.row(row), target = baseGradient.row(row)
            for c in 0..<sizes[0] { target[c] += g[c] }
        }
    }

    /// Â with the values of the last forward (edge dropout applied in training).
    private func withPropagation(_ body: (SparseRowBuffers) -> Void) {
        let matrix = adjacency.matrix
        matrix.withBuffers { a in
            propagationValues.withUnsafeBufferPointer { values in
                body(SparseRowBuffers(rowCount: a.rowCount, columnCount: a.columnCount, indptr: a.indptr,
                                      indices: a.indices, values: values))
            }
        }
    }
}
