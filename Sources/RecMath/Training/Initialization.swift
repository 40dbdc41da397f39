/// How a weight matrix or embedding table starts, drawn from a `SeededGenerator` row by row (each
/// row's `columns` entries left to right), so a seed gives the same numbers everywhere.
///
/// Fans: for an embedding table of n rows × d columns PyTorch's `xavier_uniform_` takes fan_in = d,
/// fan_out = n and TensorFlow's `VarianceScaling(fan_avg)` the reverse; Glorot's formulas use only
/// fan_in + fan_out, so both give the same bound. For a weight matrix W (d_in × d_out, applied as
/// x·W) fan_in = d_in, fan_out = d_out.
public enum Initialization: Sendable, Equatable {
    /// N(0, σ²): LightGCN-PyTorch's embeddings (`nn.init.normal_(std=0.1)`).
    case normal(standardDeviation: Double)
    /// U(low, high).
    case uniform(low: Double, high: Double)
    /// Glorot & Bengio (2010) uniform: U(−a, a) with a = gain·√(6 / (fan_in + fan_out)); Microsoft
    /// Recommenders' LightGCN and the NGCF reference (`xavier_initializer`, TF's default).
    case xavierUniform(gain: Double = 1)
    /// Glorot normal: N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out)) (not truncated).
    case xavierNormal(gain: Double = 1)

    /// a = gain·√(6 / (fan_in + fan_out)).
    public static func xavierUniformBound(fanIn: Int, fanOut: Int, gain: Double = 1) -> Double {
        gain * (6 / Double(fanIn + fanOut)).squareRoot()
    }

    /// σ = gain·√(2 / (fan_in + fan_out)).
    public static func xavierNormalDeviation(fanIn: Int, fanOut: Int, gain: Double = 1) -> Double {
        gain * (2 / Double(fanIn + fanOut)).squareRoot()
    }

    /// Fills the matrix's logical entries (padding stays zero). Fans default to the matrix's
    /// columns and rows (an embedding table).
    public func fill(_ matrix: FactorMatrix, fanIn: Int? = nil, fanOut: Int? = nil, using generator: inout SeededGenerator) {
        let fanIn = fanIn ?? matrix.columns, fanOut = fanOut ?? matrix.rows
        switch self {
        case .normal(let deviation):
            matrix.fillGaussian(mean: 0, standardDeviation: deviation, using: &generator)
        case .uniform(let low, let high):
            matrix.fillUniform(low: low, high: high, using: &generator)
        case .xavierUniform(let gain):
            let bound = Self.xavierUniformBound(fanIn: fanIn, fanOut: fanOut, gain: gain)
            matrix.fillUniform(low: -bound, high: bound, using: &generator)
        case .xavierNormal(let gain):
            let deviation = Self.xavierNormalDeviation(fanIn: fanIn, fanOut: fanOut, gain: gain)
            matrix.fillGaussian(mean: 0, standardDeviation: deviation, using: &generator)
        }
    }

    /// Fills rows `rows` of the matrix only (e.g. the item block of a users-then-items node table),
    /// with fans defaulting to that block's shape.
    public func fill(_ matrix: FactorMatrix, rows: Range<Int>, using generator: inout SeededGenerator) {
        let block = FactorMatrix(rows: rows.count, columns: matrix.columns)
        fill(block, fanIn: matrix.columns, fanOut: rows.count, using: &generator)
        (matrix.base + rows.lowerBound * matrix.stride).update(from: block.base, count: rows.count * matrix.stride)
    }
}
