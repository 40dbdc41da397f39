import Foundation
import RecKit
import RecMath
import Testing

// The training kit (Sources/RecMath/Training) against values worked out independently: by hand,
// by plain Double loops written here, or by the numpy script quoted next to the numbers
// (graph:/tmp/graph/scripts/kit_expected.py and adam_expected.py, reproduced in the comments).

/// u0–{i0, i1}, u1–{i1, i2}: nodes u0 = 0, u1 = 1, i0 = 2, i1 = 3, i2 = 4; degrees 2, 2, 1, 2, 1.
private func smallGraph() throws -> SparseRowMatrix {
    try SparseRowMatrix(rowCount: 2, columnCount: 3, indptr: [0, 2, 4], indices: [0, 1, 1, 2], values: [5, 3, 4, 1])
}

/// A node table with one logical column holding `values` (padding zero).
private func column(_ values: [Float]) -> FactorMatrix {
    let table = FactorMatrix(rows: values.count, columns: 1)
    for (row, value) in values.enumerated() { table.row(row)[0] = value }
    return table
}

private func firstColumn(_ table: FactorMatrix) -> [Float] { (0..<table.rows).map { table.row($0)[0] } }

private func close(_ a: [Float], _ b: [Double], tolerance: Double = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - $1) <= tolerance * max(1, abs($1)) }
}

/// A random sparse matrix with sorted rows (some empty), from a seeded generator.
private func randomSparse(rows: Int, columns: Int, density: Double, seed: UInt64) throws -> SparseRowMatrix {
    var generator = SeededGenerator(seed: seed)
    var indptr = [0], indices: [Int32] = [], values: [Float] = []
    for _ in 0..<rows {
        for c in 0..<columns where generator.nextDouble() < density {
            indices.append(Int32(c))
            values.append(Float(generator.nextDouble() * 2 - 1))
        }
        indptr.append(indices.count)
    }
    return try SparseRowMatrix(rowCount: rows, columnCount: columns, indptr: indptr, indices: indices, values: values)
}

private func randomTable(rows: Int, columns: Int, seed: UInt64) -> FactorMatrix {
    var generator = SeededGenerator(seed: seed)
    let table = FactorMatrix(rows: rows, columns: columns)
    table.fillUniform(low: -1, high: 1, using: &generator)
    return table
}

private func entries(_ table: FactorMatrix) -> [Float] {
    (0..<table.rows).flatMap { Array(UnsafeBufferPointer(start: table.row($0), count: table.stride)) }
}

@Suite("Normalised adjacency")
struct NormalizedAdjacencyTests {
    /// numpy: D^-1/2 A D^-1/2 has 1/√2 = 0.707106781 on (u0, i0), (u1, i2) and 1/2 on (u0, i1),
    /// (u1, i1), mirrored.
    @Test("entries 1/√(d_u d_i) on both sides of every edge, nothing else")
    func entries() throws {
        let graph = NormalizedAdjacency(try smallGraph())
        #expect(graph.userCount == 2 && graph.itemCount == 3 && graph.nodeCount == 5)
        #expect(graph.degrees == [2, 2, 1, 2, 1])
        #expect(graph.node(ofItem: 1) == 3)
        let half = Float(0.5), root = Float(0.707106781)
        let expected: [Float] = [
            0, 0, root, half, 0,
            0, 0, 0, half, root,
            root, 0, 0, 0, 0,
            half, half, 0, 0, 0,
            0, root, 0, 0, 0,
        ]
        let dense = graph.matrix.dense()
        #expect(zip(dense, expected).allSatisfy { abs($0 - $1) < 1e-7 })
        #expect(graph.matrix.nonZeroCount == 8)
    }

    @Test("an item nobody interacted with is an isolated node (empty row and column)")
    func isolatedItem() throws {
        let interactions = try SparseRowMatrix(rowCount: 1, columnCount: 2, indptr: [0, 1], indices: [0], values: [1])
        let graph = NormalizedAdjacency(interactions)
        #expect(graph.degrees == [1, 1, 0])
        #expect(graph.matrix.range(ofRow: 2).isEmpty)
        #expect(graph.matrix.dense() == [0, 1, 0, 1, 0, 0, 0, 0, 0])
    }

    @Test("symmetric: equal to its transpose on a random interaction matrix")
    func symmetric() throws {
        let graph = NormalizedAdjacency(try randomSparse(rows: 40, columns: 30, density: 0.15, seed: 3))
        #expect(graph.matrix.dense() == graph.matrix.transposed().dense())
    }
}

@Suite("Sparse × dense product")
struct SparseDenseProductTests {
    /// numpy: Â·[1, 2, 3, 4, 5] = [4.121320344, 5.535533906, 0.707106781, 1.5, 1.414213562].
    @Test("Â·x on the small graph")
    func byHand() throws {
        let graph = NormalizedAdjacency(try smallGraph())
        let output = FactorMatrix(rows: 5, columns: 1)
        graph.matrix.withBuffers { SparseDenseProduct.multiply($0, column([1, 2, 3, 4, 5]), into: output, threadCount: 1) }
        #expect(close(firstColumn(output), [4.121320344, 5.535533906, 0.707106781, 1.5, 1.414213562]))
    }

    /// Plain Double loops over the stored entries.
    private func reference(_ s: SparseRowMatrix, _ x: FactorMatrix, transposed: Bool) -> [Double] {
        let rows = transposed ? s.columnCount : s.rowCount
        var out = [Double](repeating: 0, count: rows * x.columns)
        for r in 0..<s.rowCount {
            for k in s.range(ofRow: r) {
                let c = Int(s.indices[k])
                let (target, source) = transposed ? (c, r) : (r, c)
                for j in 0..<x.columns { out[target * x.columns + j] += Double(s.values[k]) * Double(x.row(source)[j]) }
            }
        }
        return out
    }

    private func logical(_ table: FactorMatrix) -> [Float] { (0..<table.rows).flatMap { table.values(ofRow: $0) } }

    @Test("matches a plain loop for every width path (8, 24, 40, 64, 72 columns), 1 and 2 threads bit-identical",
          arguments: [8, 24, 40, 64, 72])
    func againstReference(width: Int) throws {
        let s = try randomSparse(rows: 57, columns: 43, density: 0.2, seed: UInt64(width))
        let x = randomTable(rows: 43, columns: width, seed: 11)
        let one = FactorMatrix(rows: 57, columns: width), two = FactorMatrix(rows: 57, columns: width)
        s.withBuffers {
            SparseDenseProduct.multiply($0, x, into: one, threadCount: 1)
            SparseDenseProduct.multiply($0, x, into: two, threadCount: 2)
        }
        #expect(close(logical(one), reference(s, x, transposed: false), tolerance: 1e-5))
        #expect(entries(one) == entries(two))
        // Padding stays zero.
        #expect((0..<one.rows).allSatisfy { row in (width..<one.stride).allSatisfy { one.row(row)[$0] == 0 } })
    }

    @Test("transposed product matches a plain loop and the product with the explicit transpose")
    func transposed() throws {
        let s = try randomSparse(rows: 31, columns: 52, density: 0.25, seed: 5)
        let x = randomTable(rows: 31, columns: 24, seed: 6)
        let one = FactorMatrix(rows: 52, columns: 24), two = FactorMatrix(rows: 52, columns: 24)
        let explicit = FactorMatrix(rows: 52, columns: 24)
        s.withBuffers {
            SparseDenseProduct.multiplyTransposed($0, x, into: one, threadCount: 1)
            SparseDenseProduct.multiplyTransposed($0, x, into: two, threadCount: 2)
        }
        s.transposed().withBuffers { SparseDenseProduct.multiply($0, x, into: explicit, threadCount: 2) }
        #expect(close(logical(one), reference(s, x, transposed: true), tolerance: 1e-5))
        #expect(entries(one) == entries(two))
        // Same entries added in the same (row) order: the same bits.
        #expect(entries(one) == entries(explicit))
    }

    @Test("for the symmetric Â the transposed product equals the product")
    func symmetricAdjacency() throws {
        let graph = NormalizedAdjacency(try randomSparse(rows: 25, columns: 35, density: 0.2, seed: 9))
        let x = randomTable(rows: graph.nodeCount, columns: 16, seed: 10)
        let direct = FactorMatrix(rows: graph.nodeCount, columns: 16), viaTranspose = FactorMatrix(rows: graph.nodeCount, columns: 16)
        graph.matrix.withBuffers {
            SparseDenseProduct.multiply($0, x, into: direct, threadCount: 2)
            SparseDenseProduct.multiplyTransposed($0, x, into: viaTranspose, threadCount: 2)
        }
        #expect(zip(entries(direct), entries(viaTranspose)).allSatisfy { abs($0 - $1) <= 1e-6 })
    }

    @Test("adding: Z += S·X in the same pass")
    func adding() throws {
        let s = try randomSparse(rows: 20, columns: 20, density: 0.3, seed: 12)
        let x = randomTable(rows: 20, columns: 8, seed: 13)
        let y = FactorMatrix(rows: 20, columns: 8), z = randomTable(rows: 20, columns: 8, seed: 14)
        let before = entries(z)
        s.withBuffers { SparseDenseProduct.multiply($0, x, into: y, adding: z, threadCount: 2) }
        #expect(entries(z) == zip(before, entries(y)).map { $0 + $1 })
    }
}

@Suite("LightGCN layer mean")
struct LayerMeanPropagationTests {
    /// numpy: (x + Âx + Â²x)/3 for x = [1, 2, 3, 4, 5] is
    /// [2.123773448, 3.095177969, 2.207106781, 3.442809042, 3.442809042].
    @Test("two layers on the small graph")
    func twoLayers() throws {
        let propagation = LayerMeanPropagation(adjacency: NormalizedAdjacency(try smallGraph()), layers: 2, columns: 1)
        let output = FactorMatrix(rows: 5, columns: 1)
        propagation.apply(column([1, 2, 3, 4, 5]), into: output, threadCount: 2)
        #expect(close(firstColumn(output), [2.123773448, 3.095177969, 2.207106781, 3.442809042, 3.442809042]))
    }

    @Test("zero layers copies the input")
    func zeroLayers() throws {
        let propagation = LayerMeanPropagation(adjacency: NormalizedAdjacency(try smallGraph()), layers: 0, columns: 1)
        let output = FactorMatrix(rows: 5, columns: 1)
        propagation.apply(column([1, 2, 3, 4, 5]), into: output, threadCount: 1)
        #expect(firstColumn(output) == [1, 2, 3, 4, 5])
    }

    @Test("batch versions: the rows of a batch and the backward of a gradient on them, bit for bit",
          arguments: [1, 2, 3, 4])
    func batchVersions(layers: Int) throws {
        let graph = NormalizedAdjacency(try randomSparse(rows: 60, columns: 45, density: 0.06, seed: 31))
        let propagation = LayerMeanPropagation(adjacency: graph, layers: layers, columns: 16)
        let x = randomTable(rows: graph.nodeCount, columns: 16, seed: 32)
        var triples = BPRTriples()
        triples.users = [3, 17, 3, 40]
        triples.positives = [0, 9, 21, 44]
        triples.negatives = [5, 5, 30, 2]
        let rows = triples.nodes(0..<4, itemOffset: 60)
        #expect(rows == [3, 17, 40, 60, 62, 65, 69, 81, 90, 104])
        let full = FactorMatrix(rows: graph.nodeCount, columns: 16), batch = FactorMatrix(rows: graph.nodeCount, columns: 16)
        propagation.apply(x, into: full, threadCount: 2)
        propagation.apply(x, into: batch, rows: rows, threadCount: 2)
        #expect(rows.allSatisfy { full.values(ofRow: Int($0)) == batch.values(ofRow: Int($0)) })
        // A gradient living on the batch rows only.
        let gradient = FactorMatrix(rows: graph.nodeCount, columns: 16)
        for row in rows { (gradient.base + Int(row) * gradient.stride).update(from: x.base + Int(row) * x.stride, count: x.stride) }
        let fullBack = FactorMatrix(rows: graph.nodeCount, columns: 16), batchBack = FactorMatrix(rows: graph.nodeCount, columns: 16)
        propagation.backward(gradient, into: fullBack, threadCount: 2)
        for _ in 0..<2 {  // twice: the scratch it clears must really be clear
            propagation.backward(gradient, supportedOn: rows, into: batchBack, threadCount: 2)
            #expect(entries(batchBack) == entries(fullBack))
        }
    }

    @Test("self-adjoint: ⟨P·x, y⟩ = ⟨x, P·y⟩, so backward is the same operator")
    func adjoint() throws {
        let graph = NormalizedAdjacency(try randomSparse(rows: 30, columns: 20, density: 0.2, seed: 21))
        let propagation = LayerMeanPropagation(adjacency: graph, layers: 3, columns: 8)
        let x = randomTable(rows: graph.nodeCount, columns: 8, seed: 22), y = randomTable(rows: graph.nodeCount, columns: 8, seed: 23)
        let px = FactorMatrix(rows: graph.nodeCount, columns: 8), py = FactorMatrix(rows: graph.nodeCount, columns: 8)
        propagation.apply(x, into: px, threadCount: 2)
        propagation.backward(y, into: py, threadCount: 2)
        let left = zip(entries(px), entries(y)).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let right = zip(entries(x), entries(py)).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(left - right) < 1e-4 * max(1, abs(left)))
    }
}

@Suite("BPR sampler")
struct BPRSamplerTests {
    /// u0: {0}, u1: {1, 2}, u2: {0, 1, 2, 3, 4, 5, 6, 7, 8, 9} (of 12 items), u3: nothing, u4: all 12.
    static func interactions() throws -> SparseRowMatrix {
        let rows: [[Int32]] = [[0], [1, 2], Array(0..<10), [], Array(0..<12)]
        var indptr = [0], indices: [Int32] = []
        for row in rows {
            indices += row
            indptr.append(indices.count)
        }
        return try SparseRowMatrix(rowCount: 5, columnCount: 12, indptr: indptr, indices: indices,
                                   values: [Float](repeating: 1, count: indices.count))
    }

    static let positives: [Set<Int32>] = [[0], [1, 2], Set(0..<10), [], Set(0..<12)]

    private func sample(_ scheme: BPRSampling, _ collision: NegativeCollision = .resample, count: Int? = nil,
                        seed: UInt64 = 1) throws -> BPRTriples {
        var generator = SeededGenerator(seed: seed)
        return try BPRSampler(Self.interactions(), scheme: scheme, collision: collision).sample(count: count, using: &generator)
    }

    private func valid(_ triples: BPRTriples) -> Bool {
        (0..<triples.count).allSatisfy { t in
            let user = Int(triples.users[t])
            return Self.positives[user].contains(triples.positives[t]) && !Self.positives[user].contains(triples.negatives[t])
                && triples.negatives[t] >= 0 && triples.negatives[t] < 12
        }
    }

    @Test("shuffled pass: every interaction of the samplable users exactly once, a fresh order per epoch")
    func shuffledPass() throws {
        let triples = try sample(.interactionShuffled)
        #expect(triples.count == 13)  // u3 has none, u4 has no negative: 1 + 2 + 10
        let pairs = (0..<13).map { "\(triples.users[$0])-\(triples.positives[$0])" }.sorted()
        let expected = (["0-0", "1-1", "1-2"] + (0..<10).map { "2-\($0)" }).sorted()
        #expect(pairs == expected)
        #expect(valid(triples))
        #expect(try sample(.interactionShuffled, seed: 2) != triples)
        // Asking for more than one pass repeats whole shuffled passes.
        let twice = try sample(.interactionShuffled, count: 26)
        #expect(twice.count == 26)
        #expect((0..<26).map { "\(twice.users[$0])-\(twice.positives[$0])" }.sorted() == (expected + expected).sorted())
    }

    @Test("draws are deterministic given the seed")
    func deterministic() throws {
        for scheme in BPRSampling.allCases {
            #expect(try sample(scheme, seed: 7) == sample(scheme, seed: 7))
        }
    }

    @Test("user-uniform weighs users equally; interaction draws weigh them by their interactions")
    func userWeights() throws {
        let uniform = try sample(.userUniform, count: 30_000), byInteraction = try sample(.interactionWithReplacement, count: 30_000)
        #expect(valid(uniform) && valid(byInteraction))
        func share(_ triples: BPRTriples, _ user: Int32) -> Double {
            Double(triples.users.filter { $0 == user }.count) / Double(triples.count)
        }
        // Binomial standard deviations are below 0.003 at n = 30 000: 0.015 is five of them.
        for user: Int32 in 0...2 { #expect(abs(share(uniform, user) - 1.0 / 3) < 0.015) }
        #expect(abs(share(byInteraction, 0) - 1.0 / 13) < 0.015)
        #expect(abs(share(byInteraction, 1) - 2.0 / 13) < 0.015)
        #expect(abs(share(byInteraction, 2) - 10.0 / 13) < 0.015)
        #expect(share(uniform, 3) == 0 && share(uniform, 4) == 0)
        // Negatives are uniform over the user's non-positives: u0's over items 1…11.
        let negatives = (0..<uniform.count).filter { uniform.users[$0] == 0 }.map { uniform.negatives[$0] }
        #expect(Set(negatives) == Set(1..<12))
    }

    @Test("skip drops colliding triples instead of drawing again")
    func skip() throws {
        let resampled = try sample(.userUniform, .resample, count: 9_000)
        let skipped = try sample(.userUniform, .skip, count: 9_000)
        #expect(resampled.count == 9_000)
        #expect(valid(skipped))
        // A negative collides with probability 1/12, 2/12, 10/12 for u0, u1, u2: 13/36 expected lost.
        let lost = Double(9_000 - skipped.count) / 9_000
        #expect(abs(lost - 13.0 / 36) < 0.03)
    }

    @Test("no samplable user is an error")
    func nobody() throws {
        let full = try SparseRowMatrix(rowCount: 1, columnCount: 2, indptr: [0, 2], indices: [0, 1], values: [1, 1])
        #expect(throws: PluginError.self) { try BPRSampler(full, scheme: .userUniform) }
    }

    @Test("batches cover the epoch in order")
    func batches() throws {
        let triples = try sample(.interactionShuffled)
        #expect(triples.batches(of: 5) == [0..<5, 5..<10, 10..<13])
        #expect(triples.batches(of: 13) == [0..<13])
    }
}

@Suite("Adam")
struct AdamTests {
    /// adam_expected.py (torch.optim.Adam's documented update in float64), lr 0.1, θ₀ = [1, −2],
    /// gradients [0.5, 0], [0, −1], [0.25, 0.25]:
    ///     t=1: [0.900000002, −2.0]
    ///     t=2: [0.8329941784820312, −1.925586318695407]   (θ₀ still moves on a zero gradient)
    ///     t=3: [0.7580844938717315, −1.8852842347620309]
    @Test("dense steps match PyTorch's formula, momentum moves zero-gradient parameters")
    func dense() {
        var parameters: [Float] = [1, -2]
        let adam = Adam(count: 2, learningRate: 0.1)
        let expected: [[Double]] = [[0.900000002, -2.0], [0.8329941784820312, -1.925586318695407],
                                    [0.7580844938717315, -1.8852842347620309]]
        for (gradient, want) in zip([[Float(0.5), 0], [0, -1], [0.25, 0.25]], expected) {
            parameters.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { adam.step(p.baseAddress!, gradient: $0.baseAddress!) }
            }
            #expect(close(parameters, want))
        }
        #expect(adam.stepCount == 3)
    }

    @Test("the SIMD body and the scalar tail agree, at any thread count")
    func lanesAndThreads() {
        let count = 70_003  // above the threading threshold, not a multiple of the lanes
        var generator = SeededGenerator(seed: 4)
        let gradient = (0..<count).map { _ in Float(generator.nextDouble() - 0.5) }
        var serial = [Float](repeating: 1, count: count), parallel = serial
        let one = Adam(count: count, learningRate: 0.01), two = Adam(count: count, learningRate: 0.01)
        for _ in 0..<3 {
            gradient.withUnsafeBufferPointer { g in
                serial.withUnsafeMutableBufferPointer { one.step($0.baseAddress!, gradient: g.baseAddress!, threadCount: 1) }
                parallel.withUnsafeMutableBufferPointer { two.step($0.baseAddress!, gradient: g.baseAddress!, threadCount: 2) }
            }
        }
        #expect(serial == parallel)
        // Every element saw the same gradient g three times: m̂ = g and √v̂ = |g| exactly, so each
        // step is lr·g/(|g| + ε) and θ = 1 − 3·lr·g/(|g| + ε).
        #expect(zip(serial, gradient).allSatisfy { theta, g in
            abs(Double(theta) - (1 - 0.03 * Double(g) / (abs(Double(g)) + 1e-8))) < 1e-6
        })
    }

    /// adam_expected.py, lazy rows: θ₀ = [1, −2, 3]; step 1 updates element 0 with g = 0.5, step 2
    /// element 2 with g = −0.5 (whose first update uses t = 2, as torch.optim.SparseAdam):
    ///     t=1: [0.900000002, −2, 3]    t=2: [0.900000002, −2, 3.074413680252488]
    @Test("lazy steps touch only the listed rows and use the shared step count")
    func lazyRows() {
        // Three rows of 8; every element of a row carries the scalar of the script.
        var parameters = [Float](repeating: 1, count: 8) + [Float](repeating: -2, count: 8) + [Float](repeating: 3, count: 8)
        let adam = Adam(count: 24, learningRate: 0.1)
        let gradient = [Float](repeating: 0.5, count: 8) + [Float](repeating: 7, count: 8) + [Float](repeating: -0.5, count: 8)
        for row: Int32 in [0, 2] {
            [row].withUnsafeBufferPointer { rows in
                parameters.withUnsafeMutableBufferPointer { p in
                    gradient.withUnsafeBufferPointer { adam.step(rows: rows, width: 8, stride: 8, p.baseAddress!, gradient: $0.baseAddress!) }
                }
            }
        }
        #expect(close(Array(parameters[0..<8]), [Double](repeating: 0.900000002, count: 8)))
        #expect(parameters[8..<16].allSatisfy { $0 == -2 })
        #expect(close(Array(parameters[16..<24]), [Double](repeating: 3.074413680252488, count: 8)))
        #expect(adam.moments.first[8..<16].allSatisfy { $0 == 0 })
    }
}

@Suite("Initialization")
struct InitializationTests {
    @Test("Glorot bounds: a = √(6/(fan_in + fan_out)), σ = √(2/(fan_in + fan_out))")
    func bounds() {
        #expect(abs(Initialization.xavierUniformBound(fanIn: 64, fanOut: 936) - (6.0 / 1000).squareRoot()) < 1e-12)
        #expect(abs(Initialization.xavierNormalDeviation(fanIn: 10, fanOut: 40, gain: 2) - 2 * (2.0 / 50).squareRoot()) < 1e-12)
    }

    private func moments(_ table: FactorMatrix) -> (mean: Double, deviation: Double, maximum: Double) {
        let values = (0..<table.rows).flatMap { table.values(ofRow: $0) }.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return (mean, variance.squareRoot(), values.map(abs).max() ?? 0)
    }

    @Test("draws have the distribution's spread, stay in bounds, keep padding zero, repeat with the seed")
    func draws() {
        var generator = SeededGenerator(seed: 1)
        let uniform = FactorMatrix(rows: 1000, columns: 60)  // stride 64: 4 padding columns
        Initialization.xavierUniform().fill(uniform, using: &generator)
        let a = (6.0 / 1060).squareRoot()
        let u = moments(uniform)
        #expect(u.maximum <= a && abs(u.deviation - a / 3.0.squareRoot()) < 0.02 * a && abs(u.mean) < 0.01 * a)
        #expect((0..<1000).allSatisfy { row in (60..<64).allSatisfy { uniform.row(row)[$0] == 0 } })

        let normal = FactorMatrix(rows: 1000, columns: 60)
        Initialization.normal(standardDeviation: 0.1).fill(normal, using: &generator)
        #expect(abs(moments(normal).deviation - 0.1) < 0.002)

        let glorotNormal = FactorMatrix(rows: 1000, columns: 60)
        Initialization.xavierNormal().fill(glorotNormal, using: &generator)
        #expect(abs(moments(glorotNormal).deviation - (2.0 / 1060).squareRoot()) < 0.02 * (2.0 / 1060).squareRoot())

        var again = SeededGenerator(seed: 1)
        let repeated = FactorMatrix(rows: 1000, columns: 60)
        Initialization.xavierUniform().fill(repeated, using: &again)
        #expect(entries(repeated) == entries(uniform))
    }

    @Test("a row block is filled with its own fans, other rows untouched")
    func block() {
        var generator = SeededGenerator(seed: 2)
        let table = FactorMatrix(rows: 300, columns: 8)
        Initialization.xavierUniform().fill(table, rows: 100..<300, using: &generator)
        #expect((0..<100).allSatisfy { table.values(ofRow: $0).allSatisfy { $0 == 0 } })
        let bound = Float((6.0 / 208).squareRoot())
        let block = (100..<300).flatMap { table.values(ofRow: $0) }
        #expect(block.allSatisfy { abs($0) <= bound } && block.contains { abs($0) > 0.9 * bound })
    }
}

@Suite("BPR loss")
struct BPRLossTests {
    /// numpy: e_u = [1, 0], e_i = [1, 1], e_j = [0, 1]: x = 1, softplus(−1) = 0.31326168751822286,
    /// σ(−1) = 0.2689414213699951; ∂/∂e_u = −σ(−x)(e_i − e_j) = [−0.268941421, 0], ∂/∂e_i = [−0.268941421, 0],
    /// ∂/∂e_j = [0.268941421, 0]. With item biases 0.25 and 0.5, x = 0.75 (checked below by the same formula).
    @Test("loss and gradient of one triple")
    func oneTriple() {
        let users = FactorMatrix(rows: 1, columns: 2), items = FactorMatrix(rows: 2, columns: 2)
        users.row(0)[0] = 1
        items.row(0)[0] = 1; items.row(0)[1] = 1
        items.row(1)[1] = 1
        var triples = BPRTriples()
        triples.users = [0]; triples.positives = [0]; triples.negatives = [1]
        let gu = FactorMatrix(rows: 1, columns: 2), gi = FactorMatrix(rows: 2, columns: 2)
        let loss = BPRLoss.accumulate(triples, 0..<1, .init(users: users.base, items: items.base, stride: 8),
                                      into: .init(users: gu.base, items: gi.base), scale: 1)
        #expect(abs(loss - 0.31326168751822286) < 1e-6)
        #expect(close(gu.values(ofRow: 0), [-0.268941421, 0]))
        #expect(close(gi.values(ofRow: 0), [-0.268941421, 0]))
        #expect(close(gi.values(ofRow: 1), [0.268941421, 0]))

        // With biases b = [0.25, 0.5]: x = 1 + 0.25 − 0.5 = 0.75, σ(−0.75) = 1/(1 + e^0.75).
        let bias: [Float] = [0.25, 0.5]
        var biasGradient: [Float] = [0, 0]
        let sigma = 1 / (1 + exp(0.75))
        bias.withUnsafeBufferPointer { b in
            biasGradient.withUnsafeMutableBufferPointer { gb in
                gu.setZero()
                gi.setZero()
                let withBias = BPRLoss.accumulate(triples, 0..<1, .init(users: users.base, items: items.base, stride: 8, itemBias: b.baseAddress),
                                                  into: .init(users: gu.base, items: gi.base, itemBias: gb.baseAddress), scale: 0.5)
                #expect(abs(withBias - log1p(exp(-0.75))) < 1e-6)
            }
        }
        #expect(close(biasGradient, [-0.5 * sigma, 0.5 * sigma]))
        #expect(close(gu.values(ofRow: 0), [-0.5 * sigma, 0]))
    }

    @Test("L2 term: weight·e per occurrence, value ½Σ‖e‖²")
    func penalty() {
        let users = FactorMatrix(rows: 1, columns: 2), items = FactorMatrix(rows: 2, columns: 2)
        users.row(0)[0] = 3
        items.row(0)[1] = 2
        items.row(1)[0] = -1
        var triples = BPRTriples()
        triples.users = [0, 0]; triples.positives = [0, 0]; triples.negatives = [1, 1]
        let gu = FactorMatrix(rows: 1, columns: 2), gi = FactorMatrix(rows: 2, columns: 2)
        let value = BPRLoss.accumulateL2(triples, 0..<2, .init(users: users.base, items: items.base, stride: 8),
                                         into: .init(users: gu.base, items: gi.base), weight: 0.1)
        #expect(abs(value - 2 * (9 + 4 + 1) / 2) < 1e-9)
        #expect(gu.values(ofRow: 0) == [0.6, 0].map(Float.init))
        #expect(close(gi.values(ofRow: 0), [0, 0.4]) && close(gi.values(ofRow: 1), [-0.2, 0]))
    }

    /// numpy, e_u = [0.1, 0.2], e_i = [0.3, −0.1], e_j = [0, 0.4], b_i = 0.05, b_j = −0.05, lr 0.1, λ 0.01:
    /// x = 0.03, z = 0.4925005624493796; e_u' = [0.114675017, 0.175174972], e_i' = [0.304625006, −0.090049989],
    /// e_j' = [−0.004925006, 0.389749989], b_i' = 0.09920005624493797, b_j' = −0.09920005624493797.
    @Test("one LearnBPR step as Cornac takes it")
    func sgdStep() {
        let table = FactorMatrix(rows: 3, columns: 2)
        for (row, values) in [[0.1, 0.2], [0.3, -0.1], [0, 0.4]].enumerated() {
            for (c, v) in values.enumerated() { table.row(row)[c] = Float(v) }
        }
        var bias: [Float] = [0.05, -0.05]
        let x = bias.withUnsafeMutableBufferPointer { b in
            BPRLoss.sgdStep(user: table.row(0), positive: table.row(1), negative: table.row(2), count: 8,
                            positiveBias: b.baseAddress!, negativeBias: b.baseAddress! + 1, learningRate: 0.1, lambda: 0.01)
        }
        #expect(abs(x - 0.03) < 1e-7)
        #expect(close(table.values(ofRow: 0), [0.114675017, 0.175174972]))
        #expect(close(table.values(ofRow: 1), [0.304625006, -0.090049989]))
        #expect(close(table.values(ofRow: 2), [-0.004925006, 0.389749989]))
        #expect(close(bias, [0.09920005624493797, -0.09920005624493797]))
    }

    @Test("softplus is stable far out")
    func softplus() {
        #expect(BPRLoss.softplus(800) == 800)
        #expect(BPRLoss.softplus(-800) == 0)
        #expect(abs(BPRLoss.softplus(0) - log(2)) < 1e-15)
    }
}

@Suite("Embedding scores")
struct EmbeddingScoresTests {
    @Test("sgemm scores equal plain dot products plus bias, for users in any order")
    func againstDots() {
        let users = randomTable(rows: 7, columns: 13, seed: 30), items = randomTable(rows: 11, columns: 13, seed: 31)
        let bias = (0..<11).map { Float($0) / 10 }
        let requested: [Int32] = [6, 0, 3, 3]
        var scores = [Float](repeating: .nan, count: requested.count * 11)
        requested.withUnsafeBufferPointer { r in
            bias.withUnsafeBufferPointer { b in
                scores.withUnsafeMutableBufferPointer {
                    EmbeddingScores.fill(users: r, userRows: users.base, itemRows: items.base, itemCount: 11, columns: 13,
                                         stride: users.stride, itemBias: b.baseAddress, into: $0)
                }
            }
        }
        for (row, user) in requested.enumerated() {
            for i in 0..<11 {
                let dot = (0..<13).reduce(0.0) { $0 + Double(users.row(Int(user))[$1]) * Double(items.row(i)[$1]) }
                #expect(abs(Double(scores[row * 11 + i]) - (dot + Double(bias[i]))) < 1e-5)
            }
        }
    }
}

@Suite("Parallel ranges")
struct ParallelRangesTests {
    @Test("even: contiguous, covering, lengths within one")
    func even() {
        #expect(ParallelRanges.even(10, parts: 3) == [0..<4, 4..<7, 7..<10])
        #expect(ParallelRanges.even(2, parts: 5) == [0..<1, 1..<2])
        #expect(ParallelRanges.even(0, parts: 2).isEmpty)
    }

    @Test("balanced: contiguous, covering, near-equal entries + rows")
    func balanced() {
        // Row costs (entries + 1): 11, 1, 1, 1, 11, 1 → total 26: rows 0…2 cost 13, rows 3…5 cost 13.
        let offsets = [0, 10, 10, 10, 10, 20, 20]
        let ranges = offsets.withUnsafeBufferPointer { ParallelRanges.balanced(offsets: $0, parts: 2) }
        #expect(ranges == [0..<3, 3..<6])
        let many = offsets.withUnsafeBufferPointer { ParallelRanges.balanced(offsets: $0, parts: 20) }
        #expect(many.first?.lowerBound == 0 && many.last?.upperBound == 6)
        #expect(zip(many, many.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && !$0.isEmpty })
    }
}

@Suite("Model state")
struct ModelStateTests {
    /// Worked out by hand: "RBMS", version 1, one tensor, name length 1, "w", rows 1 and columns 2
    /// as UInt64, then 1.0 = 0x3F800000 and −2.0 = 0xC0000000, all little-endian.
    static let bytes: [UInt8] = Array("RBMS".utf8) + [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, UInt8(ascii: "w"),
        1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0]

    @Test("the byte layout of one small tensor")
    func layout() throws {
        let state = ModelState([.init(name: "w", rows: 1, columns: 2, values: [1, -2])])
        #expect([UInt8](state.encoded()) == Self.bytes)
        #expect(try ModelState(decoding: Data(Self.bytes)) == state)
    }

    @Test("round trip through a file, padding of factor tables left out")
    func roundTrip() throws {
        let table = FactorMatrix(rows: 3, columns: 5)
        var generator = SeededGenerator(seed: 1)
        table.fillGaussian(mean: 0, standardDeviation: 1, using: &generator)
        let state = ModelState([.init(name: "users", table), .init(name: "bias", rows: 1, columns: 3, values: [0.5, .infinity, -0])])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("graph-model-state-\(getpid()).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try state.write(to: path)
        let read = try ModelState(contentsOf: path)
        #expect(read == state)
        let restored = FactorMatrix(rows: 3, columns: 5)
        try read["users"]?.copy(into: restored)
        #expect((0..<3).allSatisfy { restored.values(ofRow: $0) == table.values(ofRow: $0) })
        #expect(throws: PluginError.self) { try read["users"]?.copy(into: FactorMatrix(rows: 3, columns: 4)) }
    }

    @Test("malformed files are refused: bad magic, other version, truncation, trailing bytes, huge shapes")
    func malformed() {
        var badMagic = Self.bytes
        badMagic[0] = UInt8(ascii: "X")
        var otherVersion = Self.bytes
        otherVersion[4] = 2
        var huge = Self.bytes
        huge[21] = 0xFF  // rows' high bytes: more values than the file holds
        for bytes in [badMagic, otherVersion, Array(Self.bytes.dropLast()), Self.bytes + [0], huge, []] {
            #expect(throws: PluginError.self) { try ModelState(decoding: Data(bytes)) }
        }
    }
}

@Suite("Node order")
struct NodeOrderTests {
    /// The path u0 – i1 – u1 – i0 – u2 (nodes 0, 4, 1, 3, 2; degrees 1, 2, 1 for users, 2, 2 for
    /// items). By hand: start at the least-degree node u0, breadth-first u0, i1, u1, i0, u2;
    /// reversed u2, i0, u1, i1, u0; users in that order u2, u1, u0 and items i0, i1.
    @Test("reverse Cuthill–McKee on a path, worked by hand")
    func path() throws {
        let interactions = try SparseRowMatrix(rowCount: 3, columnCount: 2, indptr: [0, 1, 3, 4], indices: [1, 0, 1, 0],
                                               values: [1, 2, 3, 4])
        let order = NodeOrder.reverseCuthillMcKee(interactions)
        #expect(order.users == [2, 1, 0] && order.items == [0, 1])
        #expect(order.userPosition == [2, 1, 0] && order.itemPosition == [0, 1])
        // Relabelled: new user 0 is u2 {i0}, new 1 is u1 {i0, i1}, new 2 is u0 {i1}; values travel along.
        let relabelled = order.apply(to: interactions)
        #expect(relabelled.indptr == [0, 1, 3, 4] && relabelled.indices == [0, 0, 1, 1] && relabelled.values == [4, 2, 3, 1])
    }

    @Test("a permutation of each block; relabelled matrix, triples and tables agree with it")
    func consistency() throws {
        let interactions = try randomSparse(rows: 30, columns: 25, density: 0.1, seed: 40)
        let order = NodeOrder.reverseCuthillMcKee(interactions)
        #expect(order.users.sorted() == (0..<30).map { Int32($0) } && order.items.sorted() == (0..<25).map { Int32($0) })
        let relabelled = order.apply(to: interactions)
        for u in 0..<30 {
            for i in 0..<25 {
                #expect(interactions[u, i] == relabelled[Int(order.userPosition[u]), Int(order.itemPosition[i])])
            }
        }
        var triples = BPRTriples()
        triples.users = [3, 29]
        triples.positives = [0, 24]
        triples.negatives = [7, 1]
        let mapped = order.apply(to: triples)
        #expect(mapped.users == [order.userPosition[3], order.userPosition[29]])
        #expect(mapped.positives == [order.itemPosition[0], order.itemPosition[24]])
        #expect(mapped.negatives == [order.itemPosition[7], order.itemPosition[1]])
        let natural = randomTable(rows: 55, columns: 8, seed: 41)
        let ordered = FactorMatrix(rows: 55, columns: 8), back = FactorMatrix(rows: 55, columns: 8)
        order.permuteNodeRows(natural, into: ordered, toNatural: false)
        order.permuteNodeRows(ordered, into: back, toNatural: true)
        #expect(entries(back) == entries(natural))
        #expect(ordered.values(ofRow: Int(order.userPosition[5])) == natural.values(ofRow: 5))
        #expect(ordered.values(ofRow: 30 + Int(order.itemPosition[9])) == natural.values(ofRow: 30 + 9))
        #expect(NodeOrder.identity(users: 30, items: 25).apply(to: interactions) == interactions)
    }
}
