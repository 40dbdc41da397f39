import Foundation

/// Element-wise pieces of neural recommenders, forward and backward, on raw rows: LeakyReLU, row
/// L2 normalisation (PyTorch's `F.normalize(p=2, dim=1)`), inverted dropout.
public enum Activations {
    /// x ← x if x > 0, else slope·x.
    public static func leakyReLU(_ x: UnsafeMutablePointer<Float>, count: Int, slope: Float) {
        for k in 0..<count where !(x[k] > 0) { x[k] *= slope }
    }

    /// g ← g·(1 if the pre-activation > 0, else slope).
    public static func leakyReLUBackward(preActivation: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>,
                                         count: Int, slope: Float) {
        for k in 0..<count where !(preActivation[k] > 0) { gradient[k] *= slope }
    }

    /// PyTorch's `F.normalize` default ε: rows shorter than this are divided by ε instead.
    public static let normalizationEpsilon: Float = 1e-12

    /// y = x / max(‖x‖₂, ε) for the first `count` entries.
    public static func normalize(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var squares: Float = 0
        for k in 0..<count { squares += x[k] * x[k] }
        let norm = max(squares.squareRoot(), normalizationEpsilon)
        for k in 0..<count { y[k] = x[k] / norm }
    }

    /// ∂L/∂x += Jᵀ·∂L/∂y for y = x / max(‖x‖, ε): (g − y⟨y, g⟩)/‖x‖ when ‖x‖ > ε, else g/ε.
    public static func normalizeBackward(_ x: UnsafePointer<Float>, outputGradient g: UnsafePointer<Float>,
                                         adding gradient: UnsafeMutablePointer<Float>, count: Int) {
        var squares: Float = 0
        for k in 0..<count { squares += x[k] * x[k] }
        let length = squares.squareRoot()
        guard length > normalizationEpsilon else {
            for k in 0..<count { gradient[k] += g[k] / normalizationEpsilon }
            return
        }
        var projection: Float = 0
        for k in 0..<count { projection += x[k] * g[k] }
        projection /= length
        for k in 0..<count { gradient[k] += (g[k] - (x[k] / length) * projection) / length }
    }

    /// Inverted dropout: each of `count` mask entries is 0 with probability `rate`, else
    /// 1/(1 − rate) (kept when a uniform draw u ≥ rate, as PyTorch's sparse dropout in NGCF).
    public static func dropoutMask(_ mask: UnsafeMutablePointer<Float>, count: Int, rate: Float,
                                   using generator: inout SeededGenerator) {
        let keep = 1 / (1 - rate)
        for k in 0..<count { mask[k] = generator.nextFloat() >= rate ? keep : 0 }
    }
}
