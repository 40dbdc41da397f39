/// A row-major `Float` matrix of latent factors (one row per user or item) in memory it owns, each
/// row padded with zeros to a multiple of `DenseVector.lanes` so the `DenseVector` kernels can run
/// on whole rows. The block is 64-byte aligned, so every row starts on a 32-byte boundary.
///
/// A reference type so that hot loops can hold its base pointer without copy-on-write checks; it is
/// not thread-safe, and its rows are valid only while the matrix lives.
public final class FactorMatrix {
    public let rows: Int
    /// Logical row length (number of factors); the padding after it is always zero.
    public let columns: Int
    /// Distance in floats between the starts of consecutive rows: `columns` rounded up to the lanes.
    public let stride: Int
    public let base: UnsafeMutablePointer<Float>

    /// A zero matrix.
    public init(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "negative matrix size")
        self.rows = rows
        self.columns = columns
        stride = DenseVector.paddedCount(columns)
        let count = Swift.max(1, rows * stride)
        base = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
        base.initialize(repeating: 0, count: count)
    }

    deinit { base.deallocate() }

    /// Start of row `row` (`stride` floats, the last `stride − columns` of them zero).
    @inlinable @inline(__always)
    public func row(_ row: Int) -> UnsafeMutablePointer<Float> { base + row * stride }

    /// An independent matrix with the same entries.
    public func copy() -> FactorMatrix {
        let result = FactorMatrix(rows: rows, columns: columns)
        result.base.update(from: base, count: Swift.max(1, rows * stride))
        return result
    }

    /// Every entry (padding too) set to zero.
    public func setZero() { base.update(repeating: 0, count: rows * stride) }

    /// Fills rows in order, each row's `columns` entries left to right, with N(mean, sd²) draws.
    public func fillGaussian(mean: Double, standardDeviation: Double, using generator: inout SeededGenerator) {
        for r in 0..<rows {
            let target = row(r)
            for c in 0..<columns {
                target[c] = Float(generator.nextGaussian(mean: mean, standardDeviation: standardDeviation))
            }
        }
    }

    /// Fills rows in order, each row's `columns` entries left to right, with uniform draws in [low, high).
    public func fillUniform(low: Double, high: Double, using generator: inout SeededGenerator) {
        for r in 0..<rows {
            let target = row(r)
            for c in 0..<columns { target[c] = Float(low + (high - low) * generator.nextDouble()) }
        }
    }

    /// The logical entries of row `row` as an array (tests, debugging).
    public func values(ofRow row: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: self.row(row), count: columns))
    }
}
