import RecKit

/// An owned sparse matrix in compressed sparse row form, as RecMath's sparse kernels produce and
/// consume it: a plugin's copy of the training matrix, its transpose (the CSC view), a top-k pruned
/// similarity matrix.
///
/// Row `r` holds `indices[indptr[r]..<indptr[r + 1]]`, strictly ascending, with the matching
/// `values`. Unlike `CSRMatrix` (built from unordered triples), it is built from arrays that are
/// already in this form, so kernels pay no sort.
public struct SparseRowMatrix: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    public private(set) var indptr: [Int]
    public private(set) var indices: [Int32]
    public private(set) var values: [Float]

    public var nonZeroCount: Int { indices.count }

    /// Checks the arrays: `indptr` spans `0...nnz` without going back, every column is in range and
    /// columns ascend strictly within each row.
    public init(rowCount: Int, columnCount: Int, indptr: [Int], indices: [Int32], values: [Float]) throws {
        guard rowCount >= 0, columnCount >= 0, columnCount <= Int(Int32.max) else {
            throw PluginError("sparse matrix has invalid dimensions \(rowCount) × \(columnCount)")
        }
        guard indptr.count == rowCount + 1, indptr.first == 0, indptr.last == indices.count,
              indices.count == values.count else {
            throw PluginError("sparse matrix arrays are inconsistent: \(indptr.count) row offsets for \(rowCount) rows, "
                              + "\(indices.count) column indices, \(values.count) values")
        }
        for row in 0..<rowCount {
            guard indptr[row] <= indptr[row + 1] else { throw PluginError("sparse matrix row \(row) has a negative length") }
            var previous: Int32 = -1
            for k in indptr[row]..<indptr[row + 1] {
                let column = indices[k]
                guard column >= 0, Int(column) < columnCount else {
                    throw PluginError("sparse matrix entry (\(row), \(column)) is outside \(rowCount) × \(columnCount)")
                }
                guard column > previous else {
                    throw PluginError(column == previous
                        ? "sparse matrix entry (\(row), \(column)) appears twice"
                        : "sparse matrix row \(row) has columns out of order")
                }
                previous = column
            }
        }
        self.init(unchecked: rowCount, columnCount, indptr, indices, values)
    }

    /// For kernels whose output is valid by construction.
    init(unchecked rowCount: Int, _ columnCount: Int, _ indptr: [Int], _ indices: [Int32], _ values: [Float]) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.indptr = indptr
        self.indices = indices
        self.values = values
    }

    /// Copies the host's training matrix (valid only during `fit`). Rows whose columns are not in
    /// ascending order are sorted; an entry outside the matrix or a repeated entry is an error.
    public init(_ view: CSRView) throws {
        guard view.rowCount >= 0, view.columnCount >= 0, view.columnCount <= Int(Int32.max) else {
            throw PluginError("training matrix has invalid dimensions \(view.rowCount) × \(view.columnCount)")
        }
        var indptr = [Int](repeating: 0, count: view.rowCount + 1)
        for row in 0...view.rowCount { indptr[row] = Int(view.indptr[row]) }
        var indices = Array(view.indices), values = Array(view.values)
        for row in 0..<view.rowCount {
            guard indptr[row] <= indptr[row + 1] else { throw PluginError("training matrix row \(row) has a negative length") }
            let range = indptr[row]..<indptr[row + 1]
            if zip(indices[range], indices[range].dropFirst()).contains(where: { $0 >= $1 }) {
                let order = range.sorted { indices[$0] < indices[$1] }
                let sortedIndices = order.map { indices[$0] }, sortedValues = order.map { values[$0] }
                indices.replaceSubrange(range, with: sortedIndices)
                values.replaceSubrange(range, with: sortedValues)
            }
        }
        try self.init(rowCount: view.rowCount, columnCount: view.columnCount, indptr: indptr, indices: indices,
                      values: values)
    }

    /// A dense row-major `rows × columns` matrix with its zeros left out.
    public init(dense: [Float], rowCount: Int, columnCount: Int) {
        precondition(dense.count == rowCount * columnCount, "dense matrix needs rows × columns values")
        var indptr = [0], indices: [Int32] = [], values: [Float] = []
        for row in 0..<rowCount {
            for column in 0..<columnCount where dense[row * columnCount + column] != 0 {
                indices.append(Int32(column))
                values.append(dense[row * columnCount + column])
            }
            indptr.append(indices.count)
        }
        self.init(unchecked: rowCount, columnCount, indptr, indices, values)
    }

    @inlinable public func range(ofRow row: Int) -> Range<Int> { indptr[row]..<indptr[row + 1] }

    /// The stored value at (row, column), 0 where nothing is stored.
    public subscript(row: Int, column: Int) -> Float {
        let range = range(ofRow: row)
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let middle = (low + high) / 2
            if Int(indices[middle]) < column { low = middle + 1 } else { high = middle }
        }
        return low < range.upperBound && Int(indices[low]) == column ? values[low] : 0
    }

    /// Row-major dense copy (for tests and small matrices).
    public func dense() -> [Float] {
        var out = [Float](repeating: 0, count: rowCount * columnCount)
        for row in 0..<rowCount {
            for k in range(ofRow: row) { out[row * columnCount + Int(indices[k])] = values[k] }
        }
        return out
    }

    /// The transpose: a counting sort by column. Rows are visited in ascending order, so every row
    /// of the result receives its columns sorted.
    public func transposed() -> SparseRowMatrix {
        var counts = [Int](repeating: 0, count: columnCount + 1)
        for column in indices { counts[Int(column) + 1] += 1 }
        for c in 0..<columnCount { counts[c + 1] += counts[c] }
        var next = counts
        var newIndices = [Int32](repeating: 0, count: nonZeroCount)
        var newValues = [Float](repeating: 0, count: nonZeroCount)
        for row in 0..<rowCount {
            for k in range(ofRow: row) {
                let column = Int(indices[k])
                newIndices[next[column]] = Int32(row)
                newValues[next[column]] = values[k]
                next[column] += 1
            }
        }
        return SparseRowMatrix(unchecked: columnCount, rowCount, counts, newIndices, newValues)
    }

    /// The same pattern with every value replaced by `transform(row, column, value)`; the entry is
    /// kept even when the new value is 0.
    public func mapValues(_ transform: (_ row: Int, _ column: Int, _ value: Float) -> Float) -> SparseRowMatrix {
        var mapped = values
        for row in 0..<rowCount {
            for k in range(ofRow: row) { mapped[k] = transform(row, Int(indices[k]), values[k]) }
        }
        return SparseRowMatrix(unchecked: rowCount, columnCount, indptr, indices, mapped)
    }

    /// Every stored entry set to 1 (interactions as implicit feedback).
    public func binarized() -> SparseRowMatrix {
        SparseRowMatrix(unchecked: rowCount, columnCount, indptr, indices,
                        [Float](repeating: 1, count: nonZeroCount))
    }

    /// Each row divided by the sum of its absolute values (scikit-learn's `normalize(norm="l1")`);
    /// an all-zero row stays zero.
    public func rowNormalized() -> SparseRowMatrix {
        var scaled = values
        for row in 0..<rowCount {
            let range = range(ofRow: row)
            var sum = 0.0
            for k in range { sum += Double(abs(values[k])) }
            guard sum > 0 else { continue }
            for k in range { scaled[k] = Float(Double(values[k]) / sum) }
        }
        return SparseRowMatrix(unchecked: rowCount, columnCount, indptr, indices, scaled)
    }

    /// Number of stored entries in each column (for a users × items matrix: each item's degree).
    public func columnCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: columnCount)
        for column in indices { counts[Int(column)] += 1 }
        return counts
    }

    /// Σ value² of each row.
    public func rowSquaredNorms() -> [Double] {
        (0..<rowCount).map { row in range(ofRow: row).reduce(0.0) { $0 + Double(values[$1]) * Double(values[$1]) } }
    }

    /// Σ value of each row.
    public func rowSums() -> [Double] {
        (0..<rowCount).map { row in range(ofRow: row).reduce(0.0) { $0 + Double(values[$1]) } }
    }

    /// Lends the arrays as unsafe buffers to a hot loop.
    @inlinable
    public func withBuffers<R>(_ body: (SparseRowBuffers) throws -> R) rethrows -> R {
        try indptr.withUnsafeBufferPointer { indptr in
            try indices.withUnsafeBufferPointer { indices in
                try values.withUnsafeBufferPointer { values in
                    try body(SparseRowBuffers(rowCount: rowCount, columnCount: columnCount, indptr: indptr,
                                              indices: indices, values: values))
                }
            }
        }
    }
}

/// A `SparseRowMatrix`'s arrays as unsafe buffers, valid inside `withBuffers`. Sendable so that
/// parallel loops can share it; nobody writes through it.
public struct SparseRowBuffers: @unchecked Sendable {
    public let rowCount: Int
    public let columnCount: Int
    public let indptr: UnsafeBufferPointer<Int>
    public let indices: UnsafeBufferPointer<Int32>
    public let values: UnsafeBufferPointer<Float>

    @inlinable
    public init(rowCount: Int, columnCount: Int, indptr: UnsafeBufferPointer<Int>,
                indices: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.indptr = indptr
        self.indices = indices
        self.values = values
    }
}
