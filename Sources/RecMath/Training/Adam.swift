import Foundation

/// Adam (Kingma & Ba 2015) over one parameter tensor, with PyTorch's defaults (β1 0.9, β2 0.999,
/// ε 1e−8) and PyTorch's update (`torch.optim.Adam`, no weight decay, no AMSGrad):
///
///     m ← β1·m + (1 − β1)·g        v ← β2·v + (1 − β2)·g²
///     θ ← θ − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
///
/// Two ways to step:
/// - `step(_:gradient:)` is dense: every element moves, including those whose gradient is zero
///   (their moments decay and their momentum keeps moving them). This is what the reference code of
///   LightGCN/NGCF gets: PyTorch's Adam on an `nn.Embedding` receives a dense gradient tensor
///   (TensorFlow 1's `AdamOptimizer` likewise decays every slot).
/// - `step(rows:…)` is lazy: only the listed rows and their moments change
///   (`torch.optim.SparseAdam`, TensorFlow's `LazyAdamOptimizer`); cheaper when a batch touches few
///   rows, but a different optimiser.
/// The step counter t is shared by both and advances once per call.
public final class Adam {
    public let count: Int
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Number of steps taken (t of the last step).
    public private(set) var stepCount = 0
    private let m: UnsafeMutablePointer<Float>
    private let v: UnsafeMutablePointer<Float>

    public init(count: Int, learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        precondition(count >= 0, "negative parameter count")
        self.count = count
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = .allocate(capacity: max(1, count))
        v = .allocate(capacity: max(1, count))
        m.initialize(repeating: 0, count: max(1, count))
        v.initialize(repeating: 0, count: max(1, count))
    }

    deinit {
        m.deallocate()
        v.deallocate()
    }

    /// Zero moments and step counter: a fresh optimiser.
    public func reset() {
        stepCount = 0
        m.update(repeating: 0, count: count)
        v.update(repeating: 0, count: count)
    }

    /// The first and second moments (tests, checkpoints).
    public var moments: (first: [Float], second: [Float]) {
        (Array(UnsafeBufferPointer(start: m, count: count)), Array(UnsafeBufferPointer(start: v, count: count)))
    }

    /// One dense step of all `count` parameters.
    public func step(_ parameters: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, threadCount: Int = 1) {
        let constants = advance()
        // Chunks of whole SIMD lanes; the tail (count not a multiple of the lanes) is the last chunk's.
        let lanes = DenseVector.lanes
        let chunks = ParallelRanges.even((count + lanes - 1) / lanes, parts: count >= 1 << 16 ? threadCount : 1)
        let p = SendableBox(parameters), g = SendableBox(gradient), m = SendableBox(m), v = SendableBox(v)
        let count = count
        ParallelRanges.run(chunks) { chunk in
            let start = chunk.lowerBound * lanes, end = min(count, chunk.upperBound * lanes)
            Self.update(p.value + start, g.value + start, m.value + start, v.value + start, end - start, constants)
        }
    }

    /// One lazy step of the listed rows only: row r is elements `r·stride ..< r·stride + width`.
    /// `rows` must not repeat a row.
    public func step(rows: UnsafeBufferPointer<Int32>, width: Int, stride: Int,
                     _ parameters: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, threadCount: Int = 1) {
        let constants = advance()
        let parts = ParallelRanges.even(rows.count, parts: rows.count * width >= 1 << 16 ? threadCount : 1)
        let p = SendableBox(parameters), g = SendableBox(gradient), m = SendableBox(m), v = SendableBox(v)
        let rowList = SendableBox(rows)
        ParallelRanges.run(parts) { part in
            for index in part {
                let offset = Int(rowList.value[index]) * stride
                precondition(offset + width <= self.count, "Adam: row \(rowList.value[index]) is outside the parameters")
                Self.update(p.value + offset, g.value + offset, m.value + offset, v.value + offset, width, constants)
            }
        }
    }

    /// Per-step scalars: (β1, 1 − β1, β2, 1 − β2, step size lr/(1 − β1^t), 1/√(1 − β2^t), ε).
    private struct Constants {
        var beta1, oneMinusBeta1, beta2, oneMinusBeta2, stepSize, inverseRootCorrection2, epsilon: Float
    }

    private func advance() -> Constants {
        stepCount += 1
        let t = Double(stepCount)
        let correction1 = 1 - pow(Double(beta1), t), correction2 = 1 - pow(Double(beta2), t)
        return Constants(beta1: beta1, oneMinusBeta1: 1 - beta1, beta2: beta2, oneMinusBeta2: 1 - beta2,
                         stepSize: Float(Double(learningRate) / correction1),
                         inverseRootCorrection2: Float(1 / correction2.squareRoot()), epsilon: epsilon)
    }

    @inline(__always)
    private static func update(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                               _ v: UnsafeMutablePointer<Float>, _ count: Int, _ c: Constants) {
        typealias Lane = DenseVector.Lane
        let lanes = DenseVector.lanes
        var k = 0
        while k + lanes <= count {
            let gradient = DenseVector.load(g, k)
            let first = c.beta1 * DenseVector.load(m, k) + c.oneMinusBeta1 * gradient
            let second = c.beta2 * DenseVector.load(v, k) + c.oneMinusBeta2 * (gradient * gradient)
            let denominator = second.squareRoot() * c.inverseRootCorrection2 + c.epsilon
            DenseVector.store(first, m, k)
            DenseVector.store(second, v, k)
            DenseVector.store(DenseVector.load(p, k) - c.stepSize * first / denominator, p, k)
            k += lanes
        }
        while k < count {
            let gradient = g[k]
            m[k] = c.beta1 * m[k] + c.oneMinusBeta1 * gradient
            v[k] = c.beta2 * v[k] + c.oneMinusBeta2 * (gradient * gradient)
            p[k] -= c.stepSize * m[k] / (v[k].squareRoot() * c.inverseRootCorrection2 + c.epsilon)
            k += 1
        }
    }
}
