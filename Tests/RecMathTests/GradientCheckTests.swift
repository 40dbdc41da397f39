import Foundation
import RecKit
import RecMath
import Testing

// The hand-written gradients of the training kit against central finite differences of the same
// objectives written independently here in Double precision (dense matrices, plain loops): BPR-MF
// with item bias and L2, and a 2-layer LightGCN (propagation forward and backward) with L2 on the
// layer-0 rows. The analytic side runs the kit's Float kernels on the same (Float) parameters.

/// Central difference of `f` at `x` along every coordinate.
private func numericGradient(_ x: [Double], step: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    (0..<x.count).map { k in
        var plus = x, minus = x
        plus[k] += step
        minus[k] -= step
        return (f(plus) - f(minus)) / (2 * step)
    }
}

private func softplus(_ z: Double) -> Double { z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)) }

/// Logical entries of a table, row by row.
private func flat(_ table: FactorMatrix) -> [Double] {
    (0..<table.rows).flatMap { table.values(ofRow: $0) }.map(Double.init)
}

private func randomTable(rows: Int, columns: Int, seed: UInt64, scale: Double = 0.5) -> FactorMatrix {
    var generator = SeededGenerator(seed: seed)
    let table = FactorMatrix(rows: rows, columns: columns)
    table.fillUniform(low: -scale, high: scale, using: &generator)
    return table
}

private func agree(_ analytic: [Double], _ numeric: [Double]) -> Bool {
    analytic.count == numeric.count && zip(analytic, numeric).allSatisfy { abs($0 - $1) <= 2e-5 + 1e-3 * abs($1) }
}

private let tripleList: [(Int32, Int32, Int32)] = [(0, 0, 1), (1, 2, 0), (0, 0, 3), (2, 3, 1), (1, 1, 2), (2, 0, 2)]

private func triples() -> BPRTriples {
    var triples = BPRTriples()
    triples.users = tripleList.map(\.0)
    triples.positives = tripleList.map(\.1)
    triples.negatives = tripleList.map(\.2)
    return triples
}

@Suite("Gradient checks")
struct GradientCheckTests {
    /// BPR-MF: (1/B) Σ_t softplus(−x_t) + λ(1/B)·½ Σ_t (‖p_u‖² + ‖q_i‖² + ‖q_j‖² + b_i² + b_j²),
    /// x_t = ⟨p_u, q_i − q_j⟩ + b_i − b_j; 3 users, 4 items, 3 factors, λ = 0.3.
    @Test("BPR-MF with item bias and L2")
    func bprMF() {
        let (userCount, itemCount, k, lambda) = (3, 4, 3, 0.3)
        let users = randomTable(rows: userCount, columns: k, seed: 1), items = randomTable(rows: itemCount, columns: k, seed: 2)
        let bias: [Float] = [0.1, -0.2, 0.3, 0.05]
        let batch = triples(), b = Double(batch.count)

        // Analytic, with the kit.
        let gu = FactorMatrix(rows: userCount, columns: k), gi = FactorMatrix(rows: itemCount, columns: k)
        var gb = [Float](repeating: 0, count: itemCount)
        var kitLoss = 0.0
        bias.withUnsafeBufferPointer { bias in
            gb.withUnsafeMutableBufferPointer { gb in
                let embeddings = BPRLoss.Embeddings(users: users.base, items: items.base, stride: users.stride, itemBias: bias.baseAddress)
                let gradients = BPRLoss.Gradients(users: gu.base, items: gi.base, itemBias: gb.baseAddress)
                let ranking = BPRLoss.accumulate(batch, 0..<batch.count, embeddings, into: gradients, scale: Float(1 / b))
                let penalty = BPRLoss.accumulateL2(batch, 0..<batch.count, embeddings, into: gradients, weight: Float(lambda / b))
                kitLoss = ranking / b + lambda * penalty / b
            }
        }

        // Independent Double objective over θ = [P | Q | b].
        func objective(_ theta: [Double]) -> Double {
            let p = { (u: Int, f: Int) in theta[u * k + f] }
            let q = { (i: Int, f: Int) in theta[userCount * k + i * k + f] }
            let bi = { (i: Int) in theta[(userCount + itemCount) * k + i] }
            var total = 0.0
            for (u, i, j) in tripleList.map({ (Int($0.0), Int($0.1), Int($0.2)) }) {
                var x = bi(i) - bi(j), squares = bi(i) * bi(i) + bi(j) * bi(j)
                for f in 0..<k {
                    x += p(u, f) * (q(i, f) - q(j, f))
                    squares += p(u, f) * p(u, f) + q(i, f) * q(i, f) + q(j, f) * q(j, f)
                }
                total += softplus(-x) + lambda * squares / 2
            }
            return total / b
        }
        let theta = flat(users) + flat(items) + bias.map(Double.init)
        #expect(abs(objective(theta) - kitLoss) < 1e-6)
        let numeric = numericGradient(theta, objective)
        #expect(agree(flat(gu) + flat(gi) + gb.map(Double.init), numeric))
    }

    /// RecBole's EmbLoss penalty: w·(‖U‖ + ‖P‖ + ‖N‖) with U, P, N the batch's user, positive and
    /// negative rows (repeats counted each time) and un-squared Frobenius norms.
    @Test("RecBole's norm penalty")
    func normPenalty() {
        let (userCount, itemCount, k, weight) = (3, 4, 3, 0.7)
        let users = randomTable(rows: userCount, columns: k, seed: 11), items = randomTable(rows: itemCount, columns: k, seed: 12)
        let batch = triples()
        let gu = FactorMatrix(rows: userCount, columns: k), gi = FactorMatrix(rows: itemCount, columns: k)
        let embeddings = BPRLoss.Embeddings(users: users.base, items: items.base, stride: users.stride)
        let gradients = BPRLoss.Gradients(users: gu.base, items: gi.base)
        let kitPenalty = BPRLoss.accumulateNorms(batch, 0..<batch.count, embeddings, into: gradients, weight: Float(weight))

        func objective(_ theta: [Double]) -> Double {
            func row(_ offset: Int) -> [Double] { Array(theta[offset..<(offset + k)]) }
            var squares = [0.0, 0.0, 0.0]
            for (u, i, j) in tripleList.map({ (Int($0.0), Int($0.1), Int($0.2)) }) {
                for (part, values) in [row(u * k), row((userCount + i) * k), row((userCount + j) * k)].enumerated() {
                    squares[part] += values.reduce(0) { $0 + $1 * $1 }
                }
            }
            return weight * squares.map { $0.squareRoot() }.reduce(0, +)
        }
        let theta = flat(users) + flat(items)
        #expect(abs(objective(theta) - weight * kitPenalty) < 1e-5)
        #expect(agree(flat(gu) + flat(gi), numericGradient(theta, objective)))
    }

    /// LightGCN, 2 layers: F = (E + ÂE + Â²E)/3 over the graph u0–{i0, i1}, u1–{i1, i2, i3},
    /// u2–{i0, i3}; loss (1/B) Σ_t softplus(−⟨F_u, F_i − F_j⟩) + λ(1/B)·½ Σ_t (‖E_u‖² + ‖E_i‖² + ‖E_j‖²).
    @Test("2-layer LightGCN through the propagation")
    func lightGCN() throws {
        let (userCount, itemCount, k, lambda) = (3, 4, 3, 0.2)
        let nodes = userCount + itemCount
        let edges: [(Int, Int)] = [(0, 0), (0, 1), (1, 1), (1, 2), (1, 3), (2, 0), (2, 3)]
        let interactions = try SparseRowMatrix(rowCount: userCount, columnCount: itemCount, indptr: [0, 2, 5, 7],
                                               indices: edges.map { Int32($0.1) }, values: [Float](repeating: 1, count: edges.count))
        let propagation = LayerMeanPropagation(adjacency: NormalizedAdjacency(interactions), layers: 2, columns: k)
        let base = randomTable(rows: nodes, columns: k, seed: 3, scale: 1)
        let batch = triples(), b = Double(batch.count)

        // Analytic, with the kit: forward, loss gradient on F, backward, L2 on E.
        let propagated = FactorMatrix(rows: nodes, columns: k), towardsF = FactorMatrix(rows: nodes, columns: k)
        let towardsE = FactorMatrix(rows: nodes, columns: k)
        propagation.apply(base, into: propagated, threadCount: 2)
        let stride = base.stride
        let ranking = BPRLoss.accumulate(batch, 0..<batch.count,
                                         .init(users: propagated.base, items: propagated.base + userCount * stride, stride: stride),
                                         into: .init(users: towardsF.base, items: towardsF.base + userCount * stride), scale: Float(1 / b))
        propagation.backward(towardsF, into: towardsE, threadCount: 2)
        let penalty = BPRLoss.accumulateL2(batch, 0..<batch.count,
                                           .init(users: base.base, items: base.base + userCount * stride, stride: stride),
                                           into: .init(users: towardsE.base, items: towardsE.base + userCount * stride),
                                           weight: Float(lambda / b))
        let kitLoss = ranking / b + lambda * penalty / b

        // Independent Double objective: dense Â from the edge list, two products, the mean.
        var degree = [Double](repeating: 0, count: nodes)
        for (u, i) in edges {
            degree[u] += 1
            degree[userCount + i] += 1
        }
        var adjacency = [[Double]](repeating: [Double](repeating: 0, count: nodes), count: nodes)
        for (u, i) in edges {
            let value = 1 / (degree[u] * degree[userCount + i]).squareRoot()
            adjacency[u][userCount + i] = value
            adjacency[userCount + i][u] = value
        }
        func times(_ e: [[Double]]) -> [[Double]] {
            var out = [[Double]](repeating: [Double](repeating: 0, count: k), count: nodes)
            for r in 0..<nodes {
                for c in 0..<nodes where adjacency[r][c] != 0 {
                    for f in 0..<k { out[r][f] += adjacency[r][c] * e[c][f] }
                }
            }
            return out
        }
        func objective(_ theta: [Double]) -> Double {
            let e: [[Double]] = (0..<nodes).map { Array(theta[($0 * k)..<($0 * k + k)]) }
            let one = times(e), two = times(one)
            var final = e
            for r in 0..<nodes {
                for f in 0..<k { final[r][f] = (e[r][f] + one[r][f] + two[r][f]) / 3 }
            }
            var total = 0.0
            for (user, positive, negative) in tripleList {
                let u = Int(user), i = userCount + Int(positive), j = userCount + Int(negative)
                var x = 0.0, squares = 0.0
                for f in 0..<k {
                    x += final[u][f] * (final[i][f] - final[j][f])
                    squares += e[u][f] * e[u][f] + e[i][f] * e[i][f] + e[j][f] * e[j][f]
                }
                total += softplus(-x) + lambda * squares / 2
            }
            return total / b
        }
        let theta = flat(base)
        #expect(abs(objective(theta) - kitLoss) < 1e-6)
        #expect(agree(flat(towardsE), numericGradient(theta, objective)))
    }

    /// NGCF, 2 layers of sizes 3 → 4 → 2, both propagation matrices, with and without dropout
    /// (the masks of the kit's forward reused by the Double objective): the gradient of
    /// L = Σ R ⊙ output (R fixed and random) with respect to E⁽⁰⁾ and every W and b.
    /// `recbole`: W1 takes S + E⁽ᵏ⁻¹⁾ and the next layer the normalised E⁽ᵏ⁾ (RecBole's NGCF).
    @Test("NGCF layers: E⁽⁰⁾, weights and biases", arguments: [
        (NormalizedAdjacency.Normalization.symmetric, false, false), (.meanWithSelfLoops, false, false), (.meanWithSelfLoops, true, false),
        (.symmetric, false, true), (.symmetric, true, true),
    ])
    func ngcf(normalization: NormalizedAdjacency.Normalization, dropout: Bool, recbole: Bool) throws {
        let (userCount, itemCount) = (3, 4)
        let nodes = userCount + itemCount, sizes = [3, 4, 2]
        let edges: [(Int, Int)] = [(0, 0), (0, 1), (1, 1), (1, 2), (1, 3), (2, 0), (2, 3)]
        let interactions = try SparseRowMatrix(rowCount: userCount, columnCount: itemCount, indptr: [0, 2, 5, 7],
                                               indices: edges.map { Int32($0.1) }, values: [Float](repeating: 1, count: edges.count))
        let graph = NormalizedAdjacency(interactions, normalization: normalization)
        let propagation = NGCFPropagation(adjacency: graph, sizes: sizes, messageDropout: dropout ? 0.3 : 0,
                                          nodeDropout: dropout ? 0.3 : 0, selfMessage: recbole, chainNormalized: recbole)
        var generator = SeededGenerator(seed: 5)
        propagation.initializeWeights(using: &generator)
        let base = randomTable(rows: nodes, columns: sizes[0], seed: 6, scale: 1)
        let output = FactorMatrix(rows: nodes, columns: propagation.outputColumns)
        propagation.forward(base, into: output, training: dropout, using: &generator, threadCount: 2)
        let weights = randomTable(rows: nodes, columns: propagation.outputColumns, seed: 7, scale: 1)
        let baseGradient = FactorMatrix(rows: nodes, columns: sizes[0])
        propagation.zeroGradients()
        propagation.backward(base, outputGradient: weights, into: baseGradient, threadCount: 2)

        // Independent Double objective. Â from the edge list (dense), times the kit's edge-dropout
        // factors when dropout is on; the message masks are the kit's.
        var degree = [Double](repeating: 0, count: nodes)
        for (u, i) in edges {
            degree[u] += 1
            degree[userCount + i] += 1
        }
        var adjacency = [[Double]](repeating: [Double](repeating: 0, count: nodes), count: nodes)
        for (u, i) in edges {
            let (a, b) = (u, userCount + i)
            if normalization == .symmetric {
                adjacency[a][b] = 1 / (degree[a] * degree[b]).squareRoot()
                adjacency[b][a] = adjacency[a][b]
            } else {
                adjacency[a][b] = 1 / (degree[a] + 1)
                adjacency[b][a] = 1 / (degree[b] + 1)
            }
        }
        if normalization == .meanWithSelfLoops { for r in 0..<nodes { adjacency[r][r] = 1 / (degree[r] + 1) } }
        let matrix = graph.matrix
        for r in 0..<nodes {
            for k in matrix.range(ofRow: r) {
                let c = Int(matrix.indices[k])
                adjacency[r][c] *= Double(propagation.propagationValues[k]) / Double(matrix.values[k])
            }
        }
        let masks: [[[Double]]] = (1..<sizes.count).map { k in
            (0..<nodes).map { r in (0..<sizes[k]).map { dropout ? Double(propagation.messageMask(layer: k).row(r)[$0]) : 1 } }
        }
        let tensors = propagation.layers.flatMap(\.tensors)
        let theta = flat(base) + tensors.flatMap(flat)
        let shapes = tensors.map { ($0.rows, $0.columns) }
        let r = (0..<nodes).map { row in (0..<propagation.outputColumns).map { Double(weights.row(row)[$0]) } }

        func objective(_ theta: [Double]) -> Double {
            var cursor = 0
            func take(_ rows: Int, _ columns: Int) -> [[Double]] {
                defer { cursor += rows * columns }
                return (0..<rows).map { row in Array(theta[(cursor + row * columns)..<(cursor + row * columns + columns)]) }
            }
            var ego = take(nodes, sizes[0])
            var final = ego
            for k in 1..<sizes.count {
                let (din, dout) = (sizes[k - 1], sizes[k])
                let w1 = take(shapes[4 * (k - 1)].0, dout), b1 = take(1, dout)[0]
                let w2 = take(shapes[4 * (k - 1) + 2].0, dout), b2 = take(1, dout)[0]
                var next = [[Double]](repeating: [Double](repeating: 0, count: dout), count: nodes)
                for row in 0..<nodes {
                    var side = [Double](repeating: 0, count: din)
                    for c in 0..<nodes where adjacency[row][c] != 0 {
                        for f in 0..<din { side[f] += adjacency[row][c] * ego[c][f] }
                    }
                    for o in 0..<dout {
                        var pre = b1[o] + b2[o]
                        for f in 0..<din { pre += (side[f] + (recbole ? ego[row][f] : 0)) * w1[f][o] + ego[row][f] * side[f] * w2[f][o] }
                        next[row][o] = (pre > 0 ? pre : 0.2 * pre) * masks[k - 1][row][o]
                    }
                }
                var normalizedNext = next
                for row in 0..<nodes {
                    let norm = max(next[row].reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                    normalizedNext[row] = next[row].map { $0 / norm }
                    final[row] += normalizedNext[row]
                }
                ego = recbole ? normalizedNext : next
            }
            var total = 0.0
            for row in 0..<nodes { for c in 0..<final[row].count { total += r[row][c] * final[row][c] } }
            return total
        }
        let analytic = flat(baseGradient) + propagation.gradients.flatMap(\.tensors).flatMap(flat)
        #expect(agree(analytic, numericGradient(theta, objective)))
    }
}
