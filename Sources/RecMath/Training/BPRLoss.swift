import Foundation

/// The BPR criterion (Rendle et al. 2009) on embedding tables: for a triple (u, i, j) the score
/// difference x_uij = ⟨e_u, e_i − e_j⟩ + b_i − b_j and the loss −ln σ(x_uij) = softplus(−x_uij).
///
/// Tables are `FactorMatrix`-style row-major memory (rows `stride` floats apart, padded with zeros
/// to whole SIMD lanes, padding left at zero). Users and items may live in one table (a graph's
/// node table: pass the item block's start as `items`).
public enum BPRLoss {
    /// Read-only embeddings of one step: user rows, item rows, optional item biases.
    public struct Embeddings {
        public var users: UnsafePointer<Float>
        public var items: UnsafePointer<Float>
        public var stride: Int
        public var itemBias: UnsafePointer<Float>?
        public init(users: UnsafePointer<Float>, items: UnsafePointer<Float>, stride: Int, itemBias: UnsafePointer<Float>? = nil) {
            self.users = users
            self.items = items
            self.stride = stride
            self.itemBias = itemBias
        }
    }

    /// Gradient buffers laid out like `Embeddings`.
    public struct Gradients {
        public var users: UnsafeMutablePointer<Float>
        public var items: UnsafeMutablePointer<Float>
        public var itemBias: UnsafeMutablePointer<Float>?
        public init(users: UnsafeMutablePointer<Float>, items: UnsafeMutablePointer<Float>, itemBias: UnsafeMutablePointer<Float>? = nil) {
            self.users = users
            self.items = items
            self.itemBias = itemBias
        }
    }

    /// softplus(z) = ln(1 + eᶻ), without overflow.
    @inlinable public static func softplus(_ z: Double) -> Double {
        z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
    }

    /// Adds the gradient of scale · Σ_t softplus(−x_t) over `triples[range]` to `gradients`
    /// (scale = 1/batch size gives the batch mean, as the PyTorch references):
    ///
    ///     ∂/∂e_u = −σ(−x)·(e_i − e_j)   ∂/∂e_i = −σ(−x)·e_u   ∂/∂e_j = σ(−x)·e_u   ∂/∂b_i = −σ(−x) = −∂/∂b_j
    ///
    /// Triples are visited in order, so repeated rows accumulate deterministically. Returns
    /// Σ softplus(−x_t) (unscaled).
    public static func accumulate(_ triples: BPRTriples, _ range: Range<Int>, _ embeddings: Embeddings,
                                  into gradients: Gradients, scale: Float) -> Double {
        typealias Lane = DenseVector.Lane
        let lanes = DenseVector.lanes, stride = embeddings.stride
        var total = 0.0
        for t in range {
            let user = Int(triples.users[t]), positive = Int(triples.positives[t]), negative = Int(triples.negatives[t])
            let eu = embeddings.users + user * stride
            let ei = embeddings.items + positive * stride, ej = embeddings.items + negative * stride
            var x = DenseVector.dot(eu, ei, count: stride) - DenseVector.dot(eu, ej, count: stride)
            if let bias = embeddings.itemBias { x += bias[positive] - bias[negative] }
            total += softplus(-Double(x))
            // σ(−x) in Double: exp cannot overflow to a NaN there.
            let weight = scale * Float(1 / (1 + exp(Double(x))))
            let gu = gradients.users + user * stride
            let gi = gradients.items + positive * stride, gj = gradients.items + negative * stride
            let w = Lane(repeating: weight)
            var k = 0
            while k < stride {
                let u = DenseVector.load(eu, k)
                DenseVector.store(DenseVector.load(gu, k) - w * (DenseVector.load(ei, k) - DenseVector.load(ej, k)), gu, k)
                DenseVector.store(DenseVector.load(gi, k) - w * u, gi, k)
                DenseVector.store(DenseVector.load(gj, k) + w * u, gj, k)
                k += lanes
            }
            if let gb = gradients.itemBias {
                gb[positive] -= weight
                gb[negative] += weight
            }
        }
        return total
    }

    /// Adds the gradient of weight · ½ Σ_t (‖e_u‖² + ‖e_i‖² + ‖e_j‖² [+ b_i² + b_j²]) over
    /// `triples[range]` — every occurrence of a row counts, as in LightGCN-PyTorch's
    /// `reg_loss = ½(‖U₀‖² + ‖I₀‖² + ‖J₀‖²)/batch` — i.e. weight·e per occurrence. Returns the
    /// unweighted ½ Σ_t (…).
    public static func accumulateL2(_ triples: BPRTriples, _ range: Range<Int>, _ embeddings: Embeddings,
                                    into gradients: Gradients, weight: Float) -> Double {
        let stride = embeddings.stride
        var total = 0.0
        func add(_ row: UnsafePointer<Float>, _ gradient: UnsafeMutablePointer<Float>) {
            total += Double(DenseVector.sumOfSquares(row, count: stride))
            DenseVector.scaleAdd(gradient, scale: 1, row, times: weight, count: stride)
        }
        for t in range {
            let user = Int(triples.users[t]), positive = Int(triples.positives[t]), negative = Int(triples.negatives[t])
            add(embeddings.users + user * stride, gradients.users + user * stride)
            add(embeddings.items + positive * stride, gradients.items + positive * stride)
            add(embeddings.items + negative * stride, gradients.items + negative * stride)
            if let bias = embeddings.itemBias, let gb = gradients.itemBias {
                total += Double(bias[positive] * bias[positive] + bias[negative] * bias[negative])
                gb[positive] += weight * bias[positive]
                gb[negative] += weight * bias[negative]
            }
        }
        return total / 2
    }

    /// RecBole's `EmbLoss` (require_pow = False): the Frobenius norms, not squared, of the batch's
    /// user matrix U, positive-item matrix P and negative-item matrix N (one row per triple, a
    /// repeated node once per occurrence), R = ‖U‖ + ‖P‖ + ‖N‖. Adds weight·∂R/∂row, i.e.
    /// weight·x_t/‖X‖ for each triple's row of X, to `gradients`; returns R (unscaled).
    public static func accumulateNorms(_ triples: BPRTriples, _ range: Range<Int>, _ embeddings: Embeddings,
                                       into gradients: Gradients, weight: Float) -> Double {
        let stride = embeddings.stride
        var squares = (users: 0.0, positives: 0.0, negatives: 0.0)
        for t in range {
            squares.users += Double(DenseVector.sumOfSquares(embeddings.users + Int(triples.users[t]) * stride, count: stride))
            squares.positives += Double(DenseVector.sumOfSquares(embeddings.items + Int(triples.positives[t]) * stride, count: stride))
            squares.negatives += Double(DenseVector.sumOfSquares(embeddings.items + Int(triples.negatives[t]) * stride, count: stride))
        }
        let norms = (users: squares.users.squareRoot(), positives: squares.positives.squareRoot(),
                     negatives: squares.negatives.squareRoot())
        func factor(_ norm: Double) -> Float { norm > 0 ? weight / Float(norm) : 0 }
        let (fu, fp, fn) = (factor(norms.users), factor(norms.positives), factor(norms.negatives))
        for t in range {
            let user = Int(triples.users[t]) * stride, positive = Int(triples.positives[t]) * stride
            let negative = Int(triples.negatives[t]) * stride
            DenseVector.scaleAdd(gradients.users + user, scale: 1, embeddings.users + user, times: fu, count: stride)
            DenseVector.scaleAdd(gradients.items + positive, scale: 1, embeddings.items + positive, times: fp, count: stride)
            DenseVector.scaleAdd(gradients.items + negative, scale: 1, embeddings.items + negative, times: fn, count: stride)
        }
        return norms.users + norms.positives + norms.negatives
    }

    /// One stochastic gradient step on one triple, in place: Rendle et al.'s LearnBPR as Cornac's
    /// `BPR._fit_sgd` writes it, ascent on ln σ(x) − (λ/2)(‖e_u‖² + ‖e_i‖² + ‖e_j‖² + b_i² + b_j²)
    /// with every right-hand side taken before the step:
    ///
    ///     z = σ(−x) = 1 / (1 + eˣ)
    ///     e_u += lr·(z·(e_i − e_j) − λ·e_u)    e_i += lr·(z·e_u − λ·e_i)    e_j += lr·(−z·e_u − λ·e_j)
    ///     b_i += lr·(z − λ·b_i)                 b_j += lr·(−z − λ·b_j)
    ///
    /// `count` is the padded row length. Returns x (before the step).
    @inline(__always)
    public static func sgdStep(user: UnsafeMutablePointer<Float>, positive: UnsafeMutablePointer<Float>,
                               negative: UnsafeMutablePointer<Float>, count: Int,
                               positiveBias: UnsafeMutablePointer<Float>?, negativeBias: UnsafeMutablePointer<Float>?,
                               learningRate lr: Float, lambda: Float) -> Float {
        typealias Lane = DenseVector.Lane
        let lanes = DenseVector.lanes
        var x = DenseVector.dot(user, positive, count: count) - DenseVector.dot(user, negative, count: count)
        if let positiveBias, let negativeBias { x += positiveBias.pointee - negativeBias.pointee }
        let z = 1 / (1 + expf(x))
        let step = Lane(repeating: lr * z), keep = Lane(repeating: 1 - lr * lambda)
        var k = 0
        while k < count {
            let u = DenseVector.load(user, k), i = DenseVector.load(positive, k), j = DenseVector.load(negative, k)
            DenseVector.store(keep * u + step * (i - j), user, k)
            DenseVector.store(keep * i + step * u, positive, k)
            DenseVector.store(keep * j - step * u, negative, k)
            k += lanes
        }
        if let positiveBias, let negativeBias {
            positiveBias.pointee += lr * (z - lambda * positiveBias.pointee)
            negativeBias.pointee += lr * (-z - lambda * negativeBias.pointee)
        }
        return x
    }
}
